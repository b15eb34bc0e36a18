module example.com/bad

go 1.26

require github.com/spf13/cobra v1.0.0

replace github.com/spf13/cobra => ./stubs/cobra
