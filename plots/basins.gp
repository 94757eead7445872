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
set xlabel xname noenhanced
set ylabel yname noenhanced
set size ratio -1
set autoscale fix
# Attractor ids cycle through 8 colours (basins_legend.dat names them);
# greys for the special labels: -1 unconverged (light), -2 escaped, -3 solver failed (dark).
palette = "1810039 14245634 7696563 15149450 6727198 15117058 10909213 2062516"
rgb(l) = l >= 0 ? int(word(palette, int(l) % 8 + 1)) : (l > -1.5 ? 14540253 : (l > -2.5 ? 10066329 : 4473924))
red(l) = int(rgb(l) / 65536) % 256
green(l) = int(rgb(l) / 256) % 256
blue(l) = int(rgb(l)) % 256
set title sprintf("%s: basins of attraction\ncolour: attractor id (basins_legend.dat); greys: -1 unconverged, -2 escaped, -3 failed", title) noenhanced
plot file using 1:2:(red($3)):(green($3)):(blue($3)) with rgbimage notitle
