# Phase diagram of a two-parameter continuation: the fold and branch-point
# curves of special_curves.dat in the plane of the two target parameters,
# one colour per curve (solid: fold, dashed: branch point), with the points
# where curves end or meet (cusp, edge, end, crossing) marked.
# Optional: closed='EXPR' draws the second parameter as a function of the
# first (x) for comparison, e.g. for phase-diagram-rbm
#   closed='(cosh(0.5)**2 - 1)/2 * (exp(2*x) + 3)/(exp(2*x) - 1)'.
# Usage: gnuplot -e "dir='out/phase-diagram-rbm'" plots/special_curves.gp   -> dir/special_curves.png
if (!exists("dir")) dir = "out/phase-diagram-rbm"
file = dir."/special_curves.dat"
set terminal pngcairo size 900,600 enhanced font ",11"
set output dir."/special_curves.png"
first = system(sprintf("awk -F': ' '/^# first_parameter:/ {print $2; exit}' %s", file))
second = system(sprintf("awk -F': ' '/^# second_parameter:/ {print $2; exit}' %s", file))
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
curves = int(system(sprintf("awk -F': ' '/^# curves:/ {print $2; exit}' %s", file)))
events = int(system(sprintf("awk 'BEGIN {s = 0} /^$/ {s++} !/^#/ && NF > 0 && s >= 2 * %d {n++} END {print n + 0}' %s", curves, file)))
set title sprintf("%s: special curves in (%s, %s)", title, first, second) noenhanced
set xlabel first noenhanced
set ylabel second noenhanced
set grid
set key outside right
if (!exists("closed")) closed = ""
closed_plot = closed eq "" ? "" : sprintf(", %s with lines lw 1 dt 3 lc rgb 'black' title 'closed form'", closed)
set samples 400
plot for [c = 0:curves - 1] file index c using 3:(strcol(2) eq "fold" ? $4 : 1/0) with lines lw 2 lc c + 1 \
         title sprintf("curve %d (fold)", c), \
     for [c = 0:curves - 1] file index c using 3:(strcol(2) eq "branch-point" ? $4 : 1/0) with lines lw 2 dt 2 lc c + 1 \
         title sprintf("curve %d (branch point)", c), \
     (events > 0 ? file : "< echo 0 none 0 0") index (events > 0 ? curves : 0) using 3:4 with points pt 7 ps 1.5 lc rgb "black" title "ends and meetings" \
     @closed_plot
