# Phase portrait on a plane: the projected flow (arrows, normalised), the
# nullclines of both components, orbits from a grid of starts, and the
# catalog's fixed points that lie in the plane, by type.
# Usage: gnuplot -e "dir='out/demo'" plots/portrait.gp   -> dir/portrait.png
if (!exists("dir")) dir = "out/demo"
set terminal pngcairo size 800,850 enhanced font ",11"
set output dir."/portrait.png"
field = dir."/field.dat"
file = field
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", field))
xname = system(sprintf("awk -F': ' '/^# x_axis:/ {print $2; exit}' %s", file))
yname = system(sprintf("awk -F': ' '/^# y_axis:/ {print $2; exit}' %s", file))
set title sprintf("%s: phase portrait", title) noenhanced
set xlabel xname noenhanced
set ylabel yname noenhanced
stats field using 1:2 nooutput
xmin = STATS_min_x; xmax = STATS_max_x; ymin = STATS_min_y; ymax = STATS_max_y
set xrange [xmin:xmax]
set yrange [ymin:ymax]
set size ratio -1
nx = int(system(sprintf("awk '!/^#/ && NF == 0 {print n; exit} !/^#/ && NF > 0 {n++}' %s", field)))
len = 0.4 * (xmax - xmin) / (nx > 1 ? nx - 1 : 1)
vlen(dx, dy) = sqrt(dx**2 + dy**2) > 0 ? sqrt(dx**2 + dy**2) : 1
points = dir."/portrait_points.dat"
has_points = system(sprintf("awk '/^[^#]/ && NF > 0 && $4 < 1e-6 {n++} END {print n + 0}' %s", points)) + 0
set key below horizontal
plot field using 1:2:(len * $3 / vlen($3, $4)):(len * $4 / vlen($3, $4)) with vectors head size 0.08,20 lc rgb "#aaaaaa" title "flow", \
     dir."/nullclines.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1b9e77" title "dx = 0", \
     dir."/nullclines.dat" index 1 using 1:2 with lines lw 2 lc rgb "#d95f02" title "dy = 0", \
     dir."/orbits.dat" using 2:3 with lines lw 1.2 lc rgb "#7570b3" title "orbits", \
     (has_points > 0 ? points : "< echo") using ($4 < 1e-6 ? $2 : 1/0):3:(stringcolumn(6) eq "sink" ? 7 : (stringcolumn(6) eq "saddle" ? 5 : 9)) with points pt variable ps 2 lc rgb "black" title "fixed points (sink ●, saddle ■, other ▲)"
