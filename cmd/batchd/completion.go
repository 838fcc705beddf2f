package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// `batchd completion bash|zsh` prints a completion script made from the
// command table and the flag sets of usage.go, so it lists what batchd
// takes, no more and no less.

// flagChoices are the values a flag takes, for completion.
var flagChoices = map[string][]string{
	"format":     resultFormats,
	"log-format": logFormats,
}

// logFormats are --log-format's values.
var logFormats = []string{"text", "json"}

// argChoices are the words a command takes after its flags.
func argChoices(cmd string) []string {
	switch cmd {
	case "help":
		var names []string
		for _, c := range commands {
			names = append(names, c.name)
		}
		return names
	case "completion":
		return []string{"bash", "zsh"}
	}
	return nil
}

// completionFlag is a flag as completion sees it.
type completionFlag struct {
	name  string // with its dashes
	usage string
	value string // the value's name (FILE, DIR, FORMAT...); "" for a switch
}

// completionFlags lists cmd's flags.
func completionFlags(cmd string) []completionFlag {
	var verbose bool
	fs, _ := (&Main{}).flagSet(cmd, &verbose)
	var out []completionFlag
	fs.VisitAll(func(f *flag.Flag) {
		value, usage := flag.UnquoteUsage(f)
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			value = ""
		}
		name := "--" + f.Name
		if len(f.Name) == 1 {
			name = "-" + f.Name
		}
		out = append(out, completionFlag{name: name, usage: usage, value: value})
	})
	return out
}

// writeCompletion prints the completion script for shell.
func writeCompletion(w io.Writer, shell string) error {
	var b strings.Builder
	switch shell {
	case "bash":
		bashCompletion(&b)
	case "zsh":
		zshCompletion(&b)
	default:
		return usagef("no completion for shell %q: batchd completes bash and zsh", shell)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// bashCompletion writes the bash script: a function completing commands,
// flags, flag values (files, folders or a flag's choices) and arguments.
func bashCompletion(b *strings.Builder) {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	fmt.Fprintf(b, `# bash completion for batchd: source <(batchd completion bash)
_batchd() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd=run flags=
	(( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
	# "--flag=value" comes as three words: --flag, = and value.
	if [[ $cur == = ]]; then
		cur=
	elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then
		prev=${COMP_WORDS[COMP_CWORD-2]}
	fi
	if (( COMP_CWORD > 1 )) && [[ ${COMP_WORDS[1]} != -* ]]; then
		cmd=${COMP_WORDS[1]}
	elif (( COMP_CWORD == 1 )) && [[ $cur != -* ]]; then
		COMPREPLY=($(compgen -W %q -- "$cur"))
		return
	fi
	local p=
	[[ $prev == -* ]] && p=${prev#-} && p=${p#-}
	case "$cmd $p" in
`, strings.Join(names, " "))
	for _, c := range commands {
		for _, f := range completionFlags(c.name) {
			if f.value == "" {
				continue
			}
			fmt.Fprintf(b, "\t%q) %s; return ;;\n", c.name+" "+strings.TrimLeft(f.name, "-"), bashValues(f))
		}
	}
	b.WriteString("\tesac\n\tcase $cmd in\n")
	for _, c := range commands {
		var flags []string
		for _, f := range completionFlags(c.name) {
			flags = append(flags, f.name)
		}
		fmt.Fprintf(b, "\t%s) flags=%q ;;\n", c.name, strings.Join(flags, " "))
	}
	b.WriteString("\t*) return ;;\n\tesac\n")
	b.WriteString("\tif [[ $cur == -* ]]; then\n\t\tCOMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n\t\treturn\n\tfi\n\tcase $cmd in\n")
	for _, c := range commands {
		if choices := argChoices(c.name); choices != nil {
			fmt.Fprintf(b, "\t%s) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", c.name, strings.Join(choices, " "))
		}
	}
	b.WriteString("\tfetch) COMPREPLY=($(compgen -f -- \"$cur\")); compopt -o filenames 2>/dev/null ;;\n")
	b.WriteString("\tesac\n}\ncomplete -F _batchd batchd\n")
}

// bashValues is the bash code completing f's value.
func bashValues(f completionFlag) string {
	if choices, ok := flagChoices[strings.TrimLeft(f.name, "-")]; ok {
		return fmt.Sprintf("COMPREPLY=($(compgen -W %q -- \"$cur\"))", strings.Join(choices, " "))
	}
	switch f.value {
	case "FILE":
		return "COMPREPLY=($(compgen -f -- \"$cur\")); compopt -o filenames 2>/dev/null"
	case "DIR":
		return "COMPREPLY=($(compgen -d -- \"$cur\")); compopt -o filenames 2>/dev/null"
	}
	return "COMPREPLY=()" // a value no list holds
}

// zshCompletion writes the zsh script: _describe for the commands, then
// _arguments with each command's flags and arguments.
func zshCompletion(b *strings.Builder) {
	b.WriteString(`#compdef batchd
# zsh completion for batchd: source <(batchd completion zsh) after compinit
_batchd() {
	local -a cmds
	cmds=(
`)
	for _, c := range commands {
		fmt.Fprintf(b, "\t\t%s\n", zshQuote(c.name+":"+c.about))
	}
	b.WriteString(`	)
	local cmd=run
	if [[ $words[2] != -* ]]; then
		if (( CURRENT == 2 )); then
			_describe -t commands 'batchd command' cmds
			return
		fi
		cmd=$words[2]
		shift words
		(( CURRENT-- ))
	fi
	case $cmd in
`)
	for _, c := range commands {
		fmt.Fprintf(b, "\t%s)\n\t\t_arguments -s", c.name)
		for _, f := range completionFlags(c.name) {
			fmt.Fprintf(b, " \\\n\t\t\t%s", zshQuote(zshFlagSpec(f)))
		}
		switch {
		case argChoices(c.name) != nil:
			what := map[string]string{"help": "command", "completion": "shell"}[c.name]
			fmt.Fprintf(b, " \\\n\t\t\t%s", zshQuote("1:"+what+":("+strings.Join(argChoices(c.name), " ")+")"))
		case c.name == "fetch":
			fmt.Fprintf(b, " \\\n\t\t\t%s \\\n\t\t\t%s", zshQuote("1:URI:"), zshQuote("2:DEST:_files"))
		}
		b.WriteString("\n\t\t;;\n")
	}
	b.WriteString("\tesac\n}\ncompdef _batchd batchd\n")
}

// zshFlagSpec is f as an _arguments spec.
func zshFlagSpec(f completionFlag) string {
	desc := strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`).Replace(f.usage)
	if f.value == "" {
		return f.name + "[" + desc + "]"
	}
	action := " "
	if choices, ok := flagChoices[strings.TrimLeft(f.name, "-")]; ok {
		action = "(" + strings.Join(choices, " ") + ")"
	} else if f.value == "FILE" {
		action = "_files"
	} else if f.value == "DIR" {
		action = "_files -/"
	}
	return f.name + "=[" + desc + "]:" + f.value + ":" + action
}

// zshQuote quotes s for zsh in single quotes.
func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
