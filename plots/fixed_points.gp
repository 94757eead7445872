# The fixed-point catalog: KL of every fixed point (log scale) with its
# Hessian inertia as stacked bars (stable / neutral / unstable directions),
# so data-consistent points (KL ~ 0) and spurious ones, sinks and saddles,
# read off at a glance.
# Usage: gnuplot -e "dir='out/fixed-point-types'" plots/fixed_points.gp   -> dir/fixed_points.png
if (!exists("dir")) dir = "out/demo"
file = dir."/fixed_points.dat"
set terminal pngcairo size 900,800 enhanced font ",11"
set output dir."/fixed_points.png"
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
set multiplot layout 2,1 title sprintf("%s: fixed points", title) noenhanced
set xlabel "fixed point id"
set ylabel "KL(q || p_θ)"
set logscale y
set format y "10^{%L}"
set grid
set key outside right
set xrange [-0.5:*]
set offsets 0, 0.5, 0, 0
# KL clamped at 1e-17 so that data-consistent points (KL at rounding level) stay on the log axis.
kl(x) = x > 1e-17 ? x : 1e-17
plot file using 1:(strcol(2) eq "data-consistent" ? kl($4) : 1/0) with points pt 7 ps 1.6 lc rgb "#1b9e77" title "data-consistent", \
     file using 1:(strcol(2) eq "spurious" ? kl($4) : 1/0) with points pt 5 ps 1.4 lc rgb "#d95f02" title "spurious", \
     file using 1:(strcol(2) eq "asymptotic" ? kl($4) : 1/0) with points pt 9 ps 1.6 lc rgb "#7570b3" title "asymptotic"
unset logscale y
set format y "%g"
set ylabel "Hessian directions"
set style data histograms
set style histogram rowstacked
set style fill solid 0.8 border -1
set boxwidth 0.7
set xrange [*:*]
plot file using 7:xtic(1) title "stable" lc rgb "#1b9e77", \
     "" using 8 title "neutral" lc rgb "#bbbbbb", \
     "" using 9 title "unstable" lc rgb "#d95f02"
unset multiplot
