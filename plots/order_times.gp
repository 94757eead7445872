# Convergence time t_k(epsilon) against the order k, one curve per epsilon:
# solid for couplings (t_J, from r_k), dashed for moments (t_m, from d_k),
# dotted for the connected information (t_I, when the file has the column).
# The hierarchy t_1 <= t_2 <= ... <= t_n is a rising curve.
# Usage: gnuplot -e "dir='out/hierarchy-rbm'" plots/order_times.gp   -> dir/order_times.png
if (!exists("dir")) dir = "out/hierarchy-rbm"
file = dir."/order_times.dat"
set terminal pngcairo size 900,600 enhanced font ",11"
set output dir."/order_times.png"
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
# one data set per epsilon, in file order
eps = system(sprintf("awk '/^[^#]/ && NF > 0 && $2 != last {printf \"%%s \", $2; last = $2}' %s", file))
hasI = int(system(sprintf("awk '/^# columns:/ {print ($7 == \"t_I\"); exit}' %s", file)))
set logscale y
set format y "10^{%L}"
set xlabel "interaction order k"
set ylabel "convergence time t_k(ε)"
set xtics 1
set grid
set key outside right
set title sprintf("%s: when each order is learned", title)
plot for [i = 1:words(eps)] file index (i - 1) using 1:($3 > 0 && $3 < 1e300 ? $3 : 1/0) with linespoints lw 2 pt 7 lc i title sprintf("t_J, ε = %g", word(eps, i) + 0), \
     for [i = 1:words(eps)] file index (i - 1) using 1:($4 > 0 && $4 < 1e300 ? $4 : 1/0) with linespoints lw 2 dt 2 pt 6 lc i title sprintf("t_m, ε = %g", word(eps, i) + 0), \
     for [i = 1:(hasI ? words(eps) : 0)] file index (i - 1) using 1:($5 > 0 && $5 < 1e300 ? $5 : 1/0) with linespoints lw 2 dt 3 pt 4 lc i title sprintf("t_I, ε = %g", word(eps, i) + 0)
