package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/nativize/nativize/pkg/validate"
)

// valuesAnnotation is the pflag annotation holding a flag's allowed values.
const valuesAnnotation = "nativize/values"

// enumFlag declares that the flag name accepts only values (checked after
// parsing by checkEnums, offered by shell completion).
func enumFlag(fs *pflag.FlagSet, name string, values ...string) {
	if err := fs.SetAnnotation(name, valuesAnnotation, values); err != nil {
		panic(err) // a flag that is not declared: a programming error
	}
}

// flagValues returns the allowed values of f, nil when any value goes.
func flagValues(f *pflag.Flag) []string { return f.Annotations[valuesAnnotation] }

// checkEnums returns an error naming every flag whose value is not one of
// its declared values.
func checkEnums(fs *pflag.FlagSet) error {
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		values := flagValues(f)
		if values == nil || slices.Contains(values, f.Value.String()) {
			return
		}
		errs = append(errs, fmt.Errorf("unknown %s %q (want %s)", flagName(f), f.Value.String(), orList(values)))
	})
	return errors.Join(errs...)
}

// flagName is the spelling users most likely typed: -o, --engine.
func flagName(f *pflag.Flag) string {
	if f.Shorthand != "" {
		return "-" + f.Shorthand
	}
	return "--" + f.Name
}

// orList writes "a, b or c".
func orList(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

// failOnFlag declares --fail-on, bound to v: what makes a run exit 1.
func failOnFlag(fs *pflag.FlagSet, v *string, usage string) {
	fs.StringVar(v, "fail-on", "error", usage+": "+orList(validate.FailOnValues))
	enumFlag(fs, "fail-on", validate.FailOnValues...)
}
