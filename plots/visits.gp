# How far each fixed point of the catalog is from the target's moments, order
# by order (gap_k = max over |A| = k of |m_A(p*) - m_A(q)|): every effective
# model of the catalog (grey) and those the flows passed near (red). A point
# consistent at low orders has small gaps on the left.
# Usage: gnuplot -e "dir='out/visited-saddles'" plots/visits.gp   -> dir/visits.png
if (!exists("dir")) dir = "out/visited-saddles"
file = dir."/visits.dat"
set terminal pngcairo size 900,600 enhanced font ",11"
set output dir."/visits.png"
ncol = int(system(sprintf("awk '/^# columns:/ {print NF - 2; exit}' %s", file)))
n = ncol - 7
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
radius = system(sprintf("awk -F': ' '/^# near_radius:/ {print $2; exit}' %s", file))
# One polyline per model, (k, gap_k) with a blank line between models;
# near = 1 selects the models some flow passed near, 0 the others.
models(near) = sprintf("< awk -v n=%d -v near=%d '!/^#/ && NF > 0 && (($(5 + n) > 0) == near) { for (k = 1; k <= n; k++) print k, ($(4 + k) > 1e-16 ? $(4 + k) : 1e-16); print \"\" }' %s", n, near, file)
set logscale y
set format y "10^{%L}"
set xrange [0.8:n + 0.2]
set xtics 1
set xlabel "interaction order k"
set ylabel "gap_k = max_{|A|=k} |m_A(p*) - m_A(q)|"
set grid
set key bottom right
set title sprintf("%s: moment gaps of the catalog's fixed points", title)
plot models(0) using 1:2 with linespoints lw 1 pt 7 ps 0.5 lc rgb "#bbbbbb" title "not passed near", \
     models(1) using 1:2 with linespoints lw 3 pt 7 ps 1 lc rgb "#d62728" title sprintf("passed within %s by a flow", radius)
