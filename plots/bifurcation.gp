# Bifurcation diagram: the parameter that varies most along the branches
# (signed, so mirror branches separate; |θ| when the file has no parameter
# columns) against the continued target parameter, one curve per branch,
# solid where the point is a sink (index 0), dashed where it has unstable
# directions; special points marked.
# Usage: gnuplot -e "dir='out/bifurcation-rbm'" plots/bifurcation.gp   -> dir/bifurcation.png
if (!exists("dir")) dir = "out/bifurcation-rbm"
file = dir."/bifurcation.dat"
points = dir."/bifurcation_points.dat"
set terminal pngcairo size 900,600 enhanced font ",11"
set output dir."/bifurcation.png"
parameter = system(sprintf("awk -F': ' '/^# parameter:/ {print $2; exit}' %s", file))
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
branches = int(system(sprintf("awk -F': ' '/^# branches:/ {print $2; exit}' %s", file)))
set title sprintf("%s: fixed points against %s", title, parameter) noenhanced
set xlabel parameter noenhanced
# Column of the parameter with the largest range (parameters start at column 8).
ycol = int(system(sprintf("awk '!/^#/ && NF > 7 { for (i = 8; i <= NF; i++) { if (!(i in lo) || $i < lo[i]) lo[i] = $i; if (!(i in hi) || $i > hi[i]) hi[i] = $i } } END { best = 4; r = -1; for (i in lo) if (hi[i] - lo[i] > r) { r = hi[i] - lo[i]; best = i } print best }' %s", file)))
yname = ycol == 4 ? "|θ|" : system(sprintf("awk '/^# columns:/ {print $(%d + 2); exit}' %s", ycol, file))
pcol = ycol == 4 ? 4 : ycol - 3
set ylabel sprintf("%s at the fixed point", yname) noenhanced
set grid
set key top left
has_points = int(system(sprintf("awk '!/^#/ && NF > 0 {n++} END {print n + 0}' %s", points)))
plot for [b = 0:branches - 1] file index b using 2:($5 == 0 ? column(ycol) : 1/0) with lines lw 2 lc b + 1 title sprintf("branch %d, stable", b), \
     for [b = 0:branches - 1] file index b using 2:($5 > 0 ? column(ycol) : 1/0) with lines lw 2 dt 2 lc b + 1 title sprintf("branch %d, unstable", b), \
     (has_points > 0 ? points : "< echo 0 none 0 0") using 3:(column(pcol)) with points pt 7 ps 1.5 lc rgb "black" title "special points"
