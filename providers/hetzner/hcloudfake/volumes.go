package hcloudfake

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud/schema"
)

func (f *Fake) volumeRoutes() map[string]handler {
	return map[string]handler{
		"GET /volumes": func(r *http.Request) response {
			status := r.URL.Query()["status"]
			return f.list(f.volumes, r, func(id int64) bool { return oneOf(status, f.volumes.rows[id].Status) })
		},
		"GET /volumes/{id}": f.volumes.get,
		"PUT /volumes/{id}": f.volumes.update,
		"POST /volumes": func(r *http.Request) response {
			var req schema.VolumeCreateRequest
			if err := decode(r, &req); err != nil {
				return err.response()
			}
			v, actions, err := f.createVolume(req)
			if err != nil {
				return err.response()
			}
			return created(schema.VolumeCreateResponse{Volume: *v, Action: &actions[0].Action, NextActions: actionList(actions[1:]...)})
		},
		"DELETE /volumes/{id}": func(r *http.Request) response {
			v, err := f.volumes.find(r)
			if err != nil {
				return err.response()
			}
			if v.Server != nil {
				return (&apiError{http.StatusUnprocessableEntity, "volume_already_attached", "volume is attached to a server; detach it first", nil}).response()
			}
			delete(f.volumes.rows, v.ID)
			return noContent()
		},
		"POST /volumes/{id}/actions/attach": func(r *http.Request) response {
			return f.volumeAction(r, func(v *schema.Volume, req *volumeActionRequest) (*action, *apiError) {
				s := f.servers.rows[req.Server]
				if s == nil {
					return nil, invalidInput("server", "server %d not found", req.Server)
				}
				if f.busy("server", s.ID) {
					return nil, locked("server")
				}
				if err := f.attachVolume(v, s); err != nil {
					return nil, err
				}
				return f.start("attach_volume", nil, nil, ref("volume", v.ID), ref("server", s.ID)), nil
			})
		},
		"POST /volumes/{id}/actions/detach": func(r *http.Request) response {
			return f.volumeAction(r, func(v *schema.Volume, _ *volumeActionRequest) (*action, *apiError) {
				if v.Server == nil {
					return nil, &apiError{http.StatusUnprocessableEntity, "invalid_input", "volume is not attached", nil}
				}
				server := *v.Server
				if f.busy("server", server) {
					return nil, locked("server")
				}
				f.detachVolume(v)
				return f.start("detach_volume", nil, nil, ref("volume", v.ID), ref("server", server)), nil
			})
		},
		"POST /volumes/{id}/actions/resize": func(r *http.Request) response {
			return f.volumeAction(r, func(v *schema.Volume, req *volumeActionRequest) (*action, *apiError) {
				if req.Size <= v.Size {
					return nil, invalidInput("size", "volumes can only grow: %d GB is not more than %d GB", req.Size, v.Size)
				}
				if err := checkVolumeSize(req.Size); err != nil {
					return nil, err
				}
				old := v.Size
				v.Size = req.Size
				return f.start("resize_volume", nil, func() { v.Size = old }, ref("volume", v.ID)), nil
			})
		},
	}
}

type volumeActionRequest struct {
	Server int64 `json:"server"`
	Size   int   `json:"size"`
}

// volumeAction answers a volume action, refused while another runs.
func (f *Fake) volumeAction(r *http.Request, do func(*schema.Volume, *volumeActionRequest) (*action, *apiError)) response {
	v, err := f.volumes.find(r)
	if err != nil {
		return err.response()
	}
	var req volumeActionRequest
	if err := decode(r, &req); err != nil {
		return err.response()
	}
	if f.busy("volume", v.ID) {
		return locked("volume").response()
	}
	a, err := do(v, &req)
	if err != nil {
		return err.response()
	}
	return created(map[string]any{"action": a.Action})
}

func checkVolumeSize(size int) *apiError {
	if size < 10 || size > 10240 {
		return invalidInput("size", "size must be between 10 and 10240 GB, not %d", size)
	}
	return nil
}

// createVolume makes a volume in a location or, attached, next to a
// server. The first action creates it; the next ones attach it.
func (f *Fake) createVolume(req schema.VolumeCreateRequest) (*schema.Volume, []*action, *apiError) {
	if err := checkName(req.Name, f.volumes.named(req.Name) != nil); err != nil {
		return nil, nil, err
	}
	labels, err := checkLabels(req.Labels)
	if err != nil {
		return nil, nil, err
	}
	if err := checkVolumeSize(req.Size); err != nil {
		return nil, nil, err
	}
	var server *schema.Server
	var loc *schema.Location
	switch {
	case req.Server != nil:
		if server = f.servers.rows[*req.Server]; server == nil {
			return nil, nil, invalidInput("server", "server %d not found", *req.Server)
		}
		loc = &server.Location
	case req.Location == nil:
		return nil, nil, invalidInput("location", "location or server is required")
	default:
		if loc = f.location(cmp.Or(req.Location.Name, idString(req.Location.ID))); loc == nil {
			return nil, nil, invalidInput("location", "unknown location %q", req.Location.Name)
		}
	}
	f.nextID++
	v := &schema.Volume{
		ID: f.nextID, Name: req.Name, Status: "creating", Location: *loc, Size: req.Size, Format: req.Format,
		Labels: labels, LinuxDevice: fmt.Sprintf("/dev/disk/by-id/scsi-0HC_Volume_%d", f.nextID), Created: time.Now().UTC(),
	}
	f.volumes.add(v)
	actions := []*action{f.start("create_volume", func() { v.Status = "available" }, nil, ref("volume", v.ID))}
	if server != nil {
		if err := f.attachVolume(v, server); err != nil {
			return nil, nil, err
		}
		actions = append(actions, f.start("attach_volume", nil, nil, ref("volume", v.ID), ref("server", server.ID)))
	}
	return v, actions, nil
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func (f *Fake) attachVolume(v *schema.Volume, s *schema.Server) *apiError {
	switch {
	case v.Server != nil:
		return &apiError{http.StatusUnprocessableEntity, "volume_already_attached", "volume is already attached to a server", nil}
	case v.Location.Name != s.Location.Name:
		return invalidInput("server", "volume %d is in %s, the server in %s", v.ID, v.Location.Name, s.Location.Name)
	}
	v.Server = &s.ID
	s.Volumes = append(s.Volumes, v.ID)
	return nil
}

func (f *Fake) detachVolume(v *schema.Volume) {
	if s := f.servers.rows[*v.Server]; s != nil {
		s.Volumes = slices.DeleteFunc(s.Volumes, func(id int64) bool { return id == v.ID })
	}
	v.Server = nil
}
