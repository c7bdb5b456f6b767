// Package secrets seals the secrets an operator provides to the hosts that
// use them, so that no secret is ever stored in clear outside its host.
//
// A value the operator types (an SMTP password, an API token) or one
// freecloud makes in memory for several machines (a cluster's shared
// secret) is encrypted with age to the machine's SSH host key, as recorded
// in state, and to the deployment's recovery recipients: age or SSH public
// keys of the operators. The ciphertext is an armored age file below the
// deployment directory (see [File]), meant to be committed; the host
// decrypts it at activation with its own host key into a ramfs.
//
// A recovery recipient is what keeps a secret usable when the machine's
// host key changes (a reinstall, a move to another provider): the host can
// no longer decrypt, so an operator re-seals the file to the new key with
// [Rekey] and one of the recovery identities. [Status] tells from the
// header alone, without any private key, whether a file is sealed to the
// current host key and to every recovery recipient.
//
// Plaintext only ever lives in memory on the operator's side: nothing here
// writes it to disk, and errors never quote it. Slices holding plaintext
// that this package allocates are cleared once they are no longer needed;
// that is best effort, since age's stream cipher keeps its own buffers and
// the Go runtime may have copied memory.
package secrets

import "path"

// Dir is the deployment subdirectory holding ciphertexts.
const Dir = "secrets"

// File is the ciphertext's path relative to the deployment directory,
// secrets/<machine>/<service>.<name>.age, slash-separated because the same
// path is written into the generated flake. One file per machine, even for
// a secret several machines share, so that each file is sealed to exactly
// one host key and a reinstall re-seals only that machine's files.
func File(machine, service, name string) string {
	return path.Join(Dir, machine, service+"."+name+".age")
}
