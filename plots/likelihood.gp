# Held-out scores along the flow (data targets with `holdout`): the average
# log-likelihood of the held-out and of the training samples against t, the
# best held-out score marked; the generalisation gap (training minus
# held-out); the training loss KL(q || p_theta).
# Usage: gnuplot -e "dir='out/data-rbm'" plots/likelihood.gp   -> dir/likelihood.png
if (!exists("dir")) dir = "out/data-rbm"
file = dir."/trajectory.dat"
set terminal pngcairo size 900,1000 enhanced font ",11"
set output dir."/likelihood.png"
# column numbers from the header's names
col(name) = int(system(sprintf("awk '/^# columns:/ {for (i = 3; i <= NF; i++) if ($i == \"%s\") {print i - 2; exit}}' %s", name, file)))
test = col("test_loglik")
train = col("train_loglik")
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
best = system(sprintf("awk -v c=%d '/^[^#]/ && NF > 0 && (b == \"\" || $c > b) {b = $c; t = $1} END {print t, b}' %s", test, file))
set logscale x
set format x "10^{%L}"
set grid
set multiplot layout 3,1 title sprintf("%s: held-out log-likelihood", title)
set ylabel "average log p_θ(x)"
set key bottom right
set label 1 sprintf("best held-out %.4f at t = %.3g", word(best, 2) + 0, word(best, 1) + 0) at graph 0.02, graph 0.92
plot file using 1:($1 > 0 ? column(test) : 1/0) with lines lw 2 title "held-out samples", \
     file using 1:($1 > 0 ? column(train) : 1/0) with lines lw 2 dt 2 title "training samples", \
     "+" using (word(best, 1) + 0):(word(best, 2) + 0) every ::0::0 with points pt 7 ps 1.5 lc 1 notitle
unset label 1
set ylabel "training - held-out"
set key top left
plot file using 1:($1 > 0 ? column(train) - column(test) : 1/0) with lines lw 2 lc 4 title "generalisation gap"
set logscale y
set format y "10^{%L}"
set xlabel "t (learning-rate units)"
set ylabel "KL(q || p_θ)"
set key top right
plot file using 1:($1 > 0 && $2 > 0 ? $2 : 1/0) with lines lw 2 lc 3 title "training loss"
unset multiplot
