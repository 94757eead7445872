# When is each interaction order learned? r_k(t) (couplings, against theta_inf)
# and d_k(t) (moments, against the target) for every order k, log-log, with
# the convergence times t_k(epsilon) of order_times.dat marked where each
# curve last crosses epsilon. Trivial orders (all nan) draw nothing.
# Usage: gnuplot -e "dir='out/hierarchy-rbm'" plots/orders.gp   -> dir/orders.png
if (!exists("dir")) dir = "out/hierarchy-rbm"
file = dir."/orders.dat"
times = dir."/order_times.dat"
set terminal pngcairo size 1000,900 enhanced font ",11"
set output dir."/orders.png"
ncol = int(system(sprintf("awk '/^# columns:/ {print NF - 2; exit}' %s", file)))
n = (ncol - 1) / 3
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
marks = system(sprintf("test -f %s && echo 1 || echo 0", times)) + 0
set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set yrange [1e-6:3]
set grid
set key outside right title "order k"
set multiplot layout 2,1 title sprintf("%s: learning hierarchy", title)
set ylabel "r_k(t) = |J^{(k)}(t) - J^{(k)}(θ_∞)| / |J^{(k)}(0) - J^{(k)}(θ_∞)|"
plot for [k = 1:n] file using 1:($1 > 0 && column(1 + k) > 0 ? column(1 + k) : 1/0) with lines lw 2 lc k title sprintf("%d", k), \
     for [k = 1:(marks ? n : 0)] times using ($1 == k && $3 > 0 && $3 < 1e300 ? $3 : 1/0):2 with points pt 7 ps 1.2 lc k notitle
set xlabel "t (learning-rate units)"
set ylabel "d_k(t) = |m^{(k)}(p_t) - m^{(k)}(q)| / |m^{(k)}(p_0) - m^{(k)}(q)|"
plot for [k = 1:n] file using 1:($1 > 0 && column(1 + n + k) > 0 ? column(1 + n + k) : 1/0) with lines lw 2 lc k title sprintf("%d", k), \
     for [k = 1:(marks ? n : 0)] times using ($1 == k && $4 > 0 && $4 < 1e300 ? $4 : 1/0):2 with points pt 7 ps 1.2 lc k notitle
unset multiplot
