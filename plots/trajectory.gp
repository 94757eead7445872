# Loss and gradient norm along the gradient flow, log-log.
# Usage: gnuplot -e "dir='out/demo'" plots/trajectory.gp   -> dir/trajectory.png
if (!exists("dir")) dir = "out/demo"
file = dir."/trajectory.dat"
set terminal pngcairo size 900,600 enhanced font ",11"
set output dir."/trajectory.png"
set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set xlabel "t (learning-rate units)"
set ylabel "KL(q || p_θ),  |∇L|"
set key top right
set grid
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
set title sprintf("%s: gradient flow", title)
plot file using 1:($1 > 0 && $2 > 0 ? $2 : 1/0) with lines lw 2 title "KL", \
     file using 1:($1 > 0 && $3 > 0 ? $3 : 1/0) with lines lw 2 dt 2 title "|∇L|"
