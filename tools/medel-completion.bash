# bash completion for medel — source it, or install it as
# /usr/share/bash-completion/completions/medel (cmake --install does).
#
# Completes the commands, each command's options, the global options
# anywhere, event types after `record` and --type, formats after
# --format, directories after --db, files after append/import-csv/backup
# and --socket. Grant and party ids are not completed: that would need
# the ledger, and a completion must never block on a daemon.

_medel()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}
	local commands="append record import-csv distribute log balance trace repayments
		deadlines verify export backup help"
	local global="--db --url --token --socket --json --csv --lang --help --version"
	local types="party grant allocation decline requisition invoice payout
		expense repayment carryover report correction close distribution"
	local fields="--grant --from --to --party --amount --date --ref --note
		--id --activity --unit --to-grant --invoice-no --settles --corrects
		--claim-by --use-by --report-by --repay-by --carry-over --total
		--payer --parent --kind --name --org-no --year --spent --due --meta
		--key --key-name --round-to"

	case $prev in
	--db)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	--socket)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--type | --template)
		COMPREPLY=($(compgen -W "$types" -- "$cur"))
		return ;;
	--kind)
		COMPREPLY=($(compgen -W "state association county_association
			region municipality committee unit other kommun region
			nämnd enhet stat förening länsförbund annan" -- "$cur"))
		return ;;
	--lang)
		COMPREPLY=($(compgen -W "en sv" -- "$cur"))
		return ;;
	--format)
		local f="jsonl csv ledger beancount"
		[[ " ${words[*]} " == *" trace "* ]] && f="tree json csv dot svg"
		COMPREPLY=($(compgen -W "$f" -- "$cur"))
		return ;;
	--url | --token | --as-of | --known-at | --grant | --party | --after | \
	--limit | --year | --expected-head | --amount | --date | --from | --to)
		return ;;
	esac

	# the command: the first word that is not a global option or its value
	local cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--db | --url | --token | --socket | --lang) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	local opts=""
	case $cmd in
	"") COMPREPLY=($(compgen -W "$commands $global" -- "$cur")); return ;;
	append) opts="--dry-run --expected-head" ;;
	record) opts="$fields --by --dry-run --expected-head"
		if [[ $cur != -* && ${words[cword-1]} == record ]]; then
			COMPREPLY=($(compgen -W "$types" -- "$cur"))
			return
		fi ;;
	import-csv) opts="--type --dry-run --expected-head --template" ;;
	distribute) opts="--grant --from --amount --key --key-name --round-to
		--date --claim-by --id --ref --note --dry-run --expected-head"
		if [[ ${words[cword-1]} == --key ]]; then
			COMPREPLY=($(compgen -f -- "$cur"))
			return
		fi ;;
	log) opts="--grant --party --type --after --limit --follow" ;;
	balance) opts="--as-of --known-at --grant --posts --party --rollup" ;;
	trace) opts="--as-of --known-at --format" ;;
	repayments) opts="--grant --year --as-of --known-at" ;;
	deadlines) opts="--as-of --known-at" ;;
	export) opts="--format --grant" ;;
	help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
	elif [[ $cmd == append || $cmd == import-csv || $cmd == backup ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _medel medel
