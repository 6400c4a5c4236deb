//go:build tools

// Package tools pins the sops command as a dependency of this module.
package tools

import _ "github.com/getsops/sops/v3/cmd/sops"
