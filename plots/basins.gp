# Basins of attraction on a plane: each start coloured by the attractor it
# reached (basins_legend.dat); -1 unconverged, -2 escaped, -3 solver failed.
# Usage: gnuplot -e "dir='out/demo'" plots/basins.gp   -> dir/basins.png
if (!exists("dir")) dir = "out/demo"
file = dir."/basins.dat"
set terminal pngcairo size 800,700 enhanced font ",11"
set output dir."/basins.png"
xname = system(sprintf("awk -F': ' '/^# x_axis:/ {print $2; exit}' %s", file))
yname = system(sprintf("awk -F': ' '/^# y_axis:/ {print $2; exit}' %s", file))
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
set title sprintf("%s: basins of attraction", title) noenhanced
set xlabel xname noenhanced
set ylabel yname noenhanced
set size ratio -1
set autoscale fix
set cblabel "attractor (see basins\\_legend.dat)"
# Distinct colours per integer label, greys for the special labels.
set palette defined (-3 "#444444", -2 "#999999", -1 "#dddddd", 0 "#1b9e77", 1 "#d95f02", 2 "#7570b3", 3 "#e7298a", 4 "#66a61e", 5 "#e6ab02", 6 "#a6761d", 7 "#1f78b4")
stats file using 3 nooutput
lo = STATS_min < -3 ? STATS_min : -3
hi = STATS_max > 7 ? STATS_max : 7
set cbrange [lo - 0.5 : hi + 0.5]
set palette maxcolors (hi - lo + 1)
set cbtics 1
plot file using 1:2:3 with image notitle
