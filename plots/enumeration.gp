# How complete a fixed-point enumeration is: the catalog's rows and
# distinct effective models as the search's units are taken in order
# (Newton starts in batches, then plateaus, flows, lifts, deflation,
# homotopy). A curve that has flattened says more of the same starts would
# likely find nothing new; a jump says which method found what the others
# missed.
# Usage: gnuplot -e "dir='out/spurious-landscape'" plots/enumeration.gp   -> dir/enumeration.png
if (!exists("dir")) dir = "out/demo"
file = dir."/enumeration.dat"
set terminal pngcairo size 900,520 enhanced font ",11"
set output dir."/enumeration.png"
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
set title sprintf("%s: saturation of the fixed-point search", title) noenhanced
set xlabel "units of the search taken (Newton starts, then the other methods' units)"
set ylabel "catalog size"
set grid
set key left top
set yrange [0:*]
plot file using 3:4 with linespoints pt 7 ps 0.8 lc rgb "#d95f02" title "rows", \
     file using 3:5 with linespoints pt 5 ps 0.8 lc rgb "#1b9e77" title "effective models", \
     file using 3:4:(strcol(6) eq "newton" ? "" : strcol(6)) with labels rotate by 60 left offset 0.3,0.6 font ",8" notitle
