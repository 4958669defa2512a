# The device check's table (bench/device/run.sh): reads its rows, one flat JSON object per line,
# and prints one Markdown table. Rows of gpu_bench, torch_bench.py and the CLI have
# {part, work, seconds, rate, unit}; the check rows have a text rate; dawn.mjs rows have
# {part: "dawn", work, gpu, cpu, unit, agreement} and become two rows (WebGPU and the wasm CPU).
function field(line, key,    s) {
    if (match(line, "\"" key "\": *\"[^\"]*\"")) {
        s = substr(line, RSTART, RLENGTH)
        sub(/^"[^"]*": *"/, "", s)
        sub(/"$/, "", s)
        return s
    }
    if (match(line, "\"" key "\": *[-+0-9.eE]+")) {
        s = substr(line, RSTART, RLENGTH)
        sub(/^"[^"]*": */, "", s)
        return s
    }
    return ""
}
function add(work, part, rate, unit, extra) {
    n++
    works[n] = work; parts[n] = part; rates[n] = rate; units[n] = unit; extras[n] = extra
    if (part == "torch") torch[work] = rate
}
/^\{/ {
    part = field($0, "part"); work = field($0, "work")
    if (part == "dawn") {
        if (work == "adapter" || work == "verdict") next
        unit = field($0, "unit")
        ok = ""
        if (match($0, /"ok": *(true|false)/)) ok = (substr($0, RSTART, RLENGTH) ~ /true/) ? "agrees" : "DISAGREES"
        if (field($0, "gpu") != "") add("dawn " work, "WebGPU (Dawn)", field($0, "gpu"), unit, ok)
        if (field($0, "cpu") != "") add("dawn " work, "wasm CPU", field($0, "cpu"), unit, "")
        next
    }
    add(work, part, field($0, "rate"), field($0, "unit"), "")
}
END {
    print "| work | where | rate | unit | ours / PyTorch |"
    print "|---|---|---:|---|---:|"
    for (i = 1; i <= n; i++) {
        ratio = extras[i]
        if (parts[i] == "wgsl" && (works[i] in torch) && torch[works[i]] > 0)
            ratio = sprintf("%.2f", rates[i] / torch[works[i]])
        rate = rates[i]
        if (rate ~ /^[-+0-9.eE]+$/) rate = sprintf("%.4g", rate)
        printf "| %s | %s | %s | %s | %s |\n", works[i], parts[i], rate, units[i], ratio
    }
}
