# Phase portrait on a plane: the projected flow (arrows, normalised), the
# nullclines of both components, orbits from a grid of starts with arrows
# showing their direction, and the catalog's fixed points that lie in the
# plane, by type; with `background: basins` the basin map (basins.dat)
# is drawn underneath in light colours.
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
arrows = dir."/orbit_arrows.dat"
has_arrows = system(sprintf("test -f %s && awk '/^[^#]/ && NF > 0 {n++} END {print n + 0}' %s || echo 0", arrows, arrows)) + 0
basins = dir."/basins.dat"
background = system(sprintf("awk -F': ' '/^# background:/ {print $2; exit}' %s", field))
under = (background eq "basins" && system(sprintf("test -f %s && echo 1 || echo 0", basins)) eq "1")
# Light colours per basin label (-3 failed, -2 escaped, -1 unconverged, then attractors).
set palette defined (-3 "#bbbbbb", -2 "#dddddd", -1 "#f2f2f2", 0 "#b3e2cd", 1 "#fdcdac", 2 "#cbd5e8", 3 "#f4cae4", 4 "#e6f5c9", 5 "#fff2ae", 6 "#f1e2cc", 7 "#cccccc")
set cbrange [-3.5:7.5]
unset colorbox
set key below horizontal
# Fixed points by type: sink ● (7), saddle ■ (5), source ▲ (9), degenerate ◆ (13).
ptype(t) = t eq "sink" ? 7 : (t eq "saddle" ? 5 : (t eq "source" ? 9 : 13))
plot (under ? basins : "< echo") using 1:2:3 with image notitle, \
     field using 1:2:(len * $3 / vlen($3, $4)):(len * $4 / vlen($3, $4)) with vectors head size 0.08,20 lc rgb "#999999" title "flow", \
     dir."/nullclines.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1b9e77" title "dx = 0", \
     dir."/nullclines.dat" index 1 using 1:2 with lines lw 2 lc rgb "#d95f02" title "dy = 0", \
     dir."/orbits.dat" using 2:3 with lines lw 1.2 lc rgb "#7570b3" title "orbits", \
     (has_arrows > 0 ? arrows : "< echo") using 1:2:(1.5 * len * $3):(1.5 * len * $4) with vectors head filled size 0.12,25 lw 1.5 lc rgb "#7570b3" notitle, \
     (has_points > 0 ? points : "< echo") using ($4 < 1e-6 ? $2 : 1/0):3:(ptype(stringcolumn(6))) with points pt variable ps 2 lc rgb "black" title "fixed points (sink ●, saddle ■, source ▲, degenerate ◆)"
