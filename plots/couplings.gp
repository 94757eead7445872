# Effective couplings J_A(t) of the model along the flow, coloured by the
# order |A| of the interaction; the target's J*_A are not drawn here.
# Usage: gnuplot -e "dir='out/demo'" plots/couplings.gp   -> dir/couplings.png
if (!exists("dir")) dir = "out/demo"
file = dir."/couplings.dat"
set terminal pngcairo size 900,600 enhanced font ",11"
set output dir."/couplings.png"
ncol = int(system(sprintf("awk '/^[^#]/ && NF > 0 {print NF; exit}' %s", file)))
# order of each column from its name J{i,j,...}: commas + 1 (per-order norms |J^(k)| name the order directly)
orders = system(sprintf("awk '/^# columns:/ {for (i = 4; i <= NF; i++) { if ($i ~ /^norm_/) { sub(/^norm_J/, \"\", $i); printf \"%%s \", $i } else { n = gsub(/,/, \",\", $i); printf \"%%d \", n + 1 } } exit}' %s", file))
set logscale x
set format x "10^{%L}"
set xlabel "t (learning-rate units)"
set ylabel "effective coupling J_A"
set grid
set key outside right title "order"
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
set title sprintf("%s: effective couplings", title)
maxorder = 0
do for [i = 1:words(orders)] { if (int(word(orders, i)) > maxorder) { maxorder = int(word(orders, i)) } }
plot for [i = 2:ncol] file using 1:($1 > 0 ? column(i) : 1/0) with lines lc int(word(orders, i - 1)) \
     title (i == 2 || word(orders, i - 1) ne word(orders, i - 2) ? word(orders, i - 1) : "")
