// Command genschema writes schema/schema.zed from schema.Generate, and
// schema/names_gen.go (the Go names of its types and permissions) from the
// compiled schema.
package main

import (
	"fmt"
	"os"

	"github.com/gatehouse/gatehouse/schema"
	"github.com/gatehouse/gatehouse/schema/zedgen"
)

func main() {
	text := schema.Generate()
	names, err := zedgen.GenerateNames(text)
	if err == nil {
		err = os.WriteFile("schema/schema.zed", []byte(text), 0o644)
	}
	if err == nil {
		err = os.WriteFile("schema/names_gen.go", names, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genschema:", err)
		os.Exit(1)
	}
}
