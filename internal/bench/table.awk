# Turns the suite's ROW lines (internal/bench/suite.sh; run with -F'|')
# into one markdown table: row, batchd, baseline, ratio = batchd / baseline
# (for a speed target given in seconds, baseline / batchd: the speed ratio),
# the row's target (#6) and whether it is met. -v smoke=1 checks no target.

function num(s) { return s ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ }

function fmt(v, unit,   s) {
	if (!num(v))
		return v
	v += 0
	if (v == int(v))
		s = sprintf("%d", v)
	else if (v >= 100 || v <= -100)
		s = sprintf("%.0f", v)
	else if (v >= 10 || v <= -10)
		s = sprintf("%.1f", v)
	else
		s = sprintf("%.2f", v)
	return unit == "" ? s : s " " unit
}

# target sets kind, limit and text for a row name.
function target(name,   n) {
	kind = ""; limit = 0; text = "—"
	if (name ~ /^task throughput/) { kind = "ratio<="; limit = 1.3; text = "wall ratio ≤ 1.3" }
	else if (name ~ /^growth/) { kind = "ratio<="; limit = 1.2; text = "linear: ≤ 1.2× the smallest size's s/1k" }
	else if (name ~ /^memory [0-9]+/) {
		split(name, w, " "); n = w[2] + 0
		kind = "value<="; limit = n <= 10000 ? 200 : 400; text = "≤ " limit " MB"
	}
	else if (name ~ /^planning/) { kind = "value<"; limit = 2; text = "< 2 s (gRPC)" }
	else if (name ~ /^staging/) { kind = "speed>="; limit = 0.9; text = "≥ 0.9× baseline speed" }
	else if (name ~ /^extraction/) { kind = "speed>="; limit = 0.8; text = "≥ 0.8× baseline speed" }
	else if (name ~ /^dedup source/) { kind = "value=="; limit = 1; text = "one fetch from the source" }
	else if (name ~ /^dedup bytes/) { kind = "ratio<="; limit = 0.01; text = "≈ 0 (links): ≤ 1% of a copy per task" }
	else if (name ~ /^collector/) { kind = "value>="; limit = 5000; text = "≥ 5,000 results/s" }
	else if (name ~ /^durability/) { text = "— (#7: report the ratio)" }
}

# met: "yes", "NO" or "—" for the current row (v, b, r).
function met() {
	if (kind == "" || !num(v))
		return "—"
	if (smoke)
		return "(smoke)"
	if (kind ~ /^ratio|^speed/ && r == "")
		return "—"
	if (kind == "ratio<=") return r <= limit ? "yes" : "NO"
	if (kind == "speed>=") return r >= limit ? "yes" : "NO"
	if (kind == "value<=") return v <= limit ? "yes" : "NO"
	if (kind == "value<") return v < limit ? "yes" : "NO"
	if (kind == "value>=") return v >= limit ? "yes" : "NO"
	if (kind == "value==") return v == limit ? "yes" : "NO"
	return "—"
}

BEGIN {
	print "| row | batchd | baseline | ratio | target | met | notes |"
	print "|---|---|---|---|---|---|---|"
}

$1 == "ROW" {
	name = $2; v = $3; b = $4; unit = $5; note = $6
	r = ""
	target(name)
	if (num(v) && num(b)) {
		if (kind == "speed>=" && unit == "s")
			r = v + 0 != 0 ? (b + 0) / (v + 0) : ""
		else
			r = b + 0 != 0 ? (v + 0) / (b + 0) : ""
	}
	printf "| %s | %s | %s | %s | %s | %s | %s |\n", name, fmt(v, unit), b == "-" ? "—" : fmt(b, unit),
		r == "" ? "—" : sprintf("%.2f×", r), text, met(), note
}
