package gatekeeper

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
)

// policyDirs are the directories of policies/ shipped as template libs.
var policyDirs = []string{"lib", "validate"}

// libModules returns the policy modules a template carries in `libs`, in
// file-name order: every non-test module of policies/lib and policies/validate,
// moved under data.lib (Gatekeeper only lets libs live there) by renaming
// `nativize.` to `lib.nativize.` in package names and data references.
func libModules(policies fs.FS) ([]string, error) {
	var out []string
	for _, dir := range policyDirs {
		entries, err := fs.ReadDir(policies, dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, ".rego") || strings.HasSuffix(name, "_test.rego") {
				continue
			}
			src, err := fs.ReadFile(policies, path.Join(dir, name))
			if err != nil {
				return nil, err
			}
			lib, err := toLib(path.Join(dir, name), string(src))
			if err != nil {
				return nil, err
			}
			out = append(out, lib)
		}
	}
	return out, nil
}

// toLib rewrites one Rego v1 module into a Gatekeeper lib: data.nativize.…
// becomes data.lib.nativize.…, and the imports Gatekeeper rejects (rego.v1,
// future.keywords; both redundant in a v1 source) are dropped.
func toLib(file, src string) (string, error) {
	m, err := ast.ParseModuleWithOpts(file, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return "", err
	}
	if !m.Package.Path.HasPrefix(nativizeRef) {
		return "", fmt.Errorf("%w: %s: package %s is not under data.nativize", ErrLibrary, file, m.Package.Path)
	}
	m.Imports = slices.DeleteFunc(m.Imports, func(i *ast.Import) bool {
		r, ok := i.Path.Value.(ast.Ref)
		return ok && (r.HasPrefix(regoV1Ref) || r.HasPrefix(futureRef))
	})
	importCalls(m)
	var bad error
	x, err := ast.TransformRefs(m, func(r ast.Ref) (ast.Value, error) {
		if !r.HasPrefix(ast.DefaultRootRef) || len(r) < 2 {
			return r, nil
		}
		if !r.HasPrefix(nativizeRef) {
			bad = fmt.Errorf("%w: %s: reference %s leaves data.nativize (Gatekeeper allows only data.lib and data.inventory)", ErrLibrary, file, r)
			return r, nil
		}
		return libRef.Concat(r[1:]), nil
	})
	if err != nil {
		return "", err
	}
	if bad != nil {
		return "", bad
	}
	out, err := format.AstWithOpts(x, format.Opts{RegoVersion: ast.RegoV1})
	if err != nil {
		return "", fmt.Errorf("%s: format: %w", file, err)
	}
	return string(out), nil
}

var (
	nativizeRef = ast.MustParseRef("data.nativize")
	libRef      = ast.MustParseRef("data.lib")
	regoV1Ref   = ast.Ref{ast.VarTerm("rego"), ast.StringTerm("v1")}
	futureRef   = ast.Ref{ast.VarTerm("future")}
)

// importCalls turns calls of functions by their full path
// (data.nativize.lib.annotations.names(…)) into calls through an import
// (annotations.names(…)): Gatekeeper moves every lib to its own package
// prefix and rewrites imports and data references, but not the operator of
// a call, which would then name a function that no longer exists.
func importCalls(m *ast.Module) {
	alias := func(pkg ast.Ref) ast.Var {
		for _, i := range m.Imports {
			if r, ok := i.Path.Value.(ast.Ref); ok && r.Equal(pkg) {
				return i.Name()
			}
		}
		name := ast.Var(string(pkg[len(pkg)-1].Value.(ast.String)))
		for taken := true; taken; {
			taken = false
			for _, i := range m.Imports {
				if i.Name().Equal(name) {
					name += "_"
					taken = true
				}
			}
		}
		imp := &ast.Import{Path: ast.NewTerm(pkg.Copy())}
		if name != ast.Var(string(pkg[len(pkg)-1].Value.(ast.String))) {
			imp.Alias = name
		}
		m.Imports = append(m.Imports, imp)
		return name
	}
	rewrite := func(op *ast.Term) {
		r, ok := op.Value.(ast.Ref)
		if !ok || len(r) < 3 || !r.HasPrefix(nativizeRef) || !r.IsGround() {
			return
		}
		pkg := r[:len(r)-1]
		if pkg.Equal(m.Package.Path) {
			return
		}
		op.Value = ast.Ref{ast.VarTerm(string(alias(pkg))), r[len(r)-1]}
	}
	ast.NewGenericVisitor(func(x any) bool {
		switch t := x.(type) {
		case *ast.Expr:
			if terms, ok := t.Terms.([]*ast.Term); ok && t.IsCall() {
				rewrite(terms[0])
			}
		case ast.Call:
			rewrite(t[0])
		}
		return false
	}).Walk(m)
}
