package gatekeeper

import "errors"

// ErrLibrary is wrapped by errors about the policies or the library contents.
var ErrLibrary = errors.New("gatekeeper library")
