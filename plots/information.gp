# Connected information I_k(p_t) of the model by interaction order along the
# flow (solid), with the target's I_k(q) from the header (dashed, same colour).
# Usage: gnuplot -e "dir='out/hierarchy-rbm'" plots/information.gp   -> dir/information.png
if (!exists("dir")) dir = "out/hierarchy-rbm"
file = dir."/information.dat"
set terminal pngcairo size 900,600 enhanced font ",11"
set output dir."/information.png"
ncol = int(system(sprintf("awk '/^# columns:/ {print NF - 2; exit}' %s", file)))
n = ncol - 1
target = system(sprintf("awk -F': ' '/^# target I_k/ {print $2; exit}' %s", file))
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
set logscale x
set format x "10^{%L}"
set xlabel "t (learning-rate units)"
set ylabel "I_k (nats)"
set grid
set key outside right title "order k"
set title sprintf("%s: connected information by order", title)
plot for [k = 1:n] file using 1:($1 > 0 ? column(1 + k) : 1/0) with lines lw 2 lc k title sprintf("%d", k), \
     for [k = 1:n] (word(target, k) + 0) with lines dt 2 lc k notitle
