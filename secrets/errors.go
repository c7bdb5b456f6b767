package secrets

import (
	"fmt"
	"strings"
)

// NoIdentityError is returned by Open and Rekey when none of the
// identities given can decrypt a ciphertext, or none was given. Its
// message says whom the file is sealed to, as far as the header tells, so
// that the operator knows which private key to pass.
type NoIdentityError struct {
	// SealedTo describes the file's recipients: the host key, a recovery
	// recipient, an unknown SSH key by its tag, and how many anonymous age
	// X25519 keys.
	SealedTo []string
	// Tried is the number of identities given.
	Tried int
	// err is age's error, when it got to try.
	err error
}

func (e *NoIdentityError) Error() string {
	var b strings.Builder
	switch e.Tried {
	case 0:
		b.WriteString("decrypting the secret takes a recovery identity, and none was given")
	case 1:
		b.WriteString("the identity given cannot decrypt the secret")
	default:
		fmt.Fprintf(&b, "none of the %d identities given can decrypt the secret", e.Tried)
	}
	b.WriteString("; it is sealed to ")
	b.WriteString(strings.Join(e.SealedTo, "; "))
	b.WriteString(". Pass --identity FILE with an age identity file (AGE-SECRET-KEY-1…) or the SSH private key of one of the deployment's recovery_recipients")
	return b.String()
}

// Unwrap returns age's error, if age got to try the identities.
func (e *NoIdentityError) Unwrap() error { return e.err }
