# Connected information I_k(p_t) of the model by interaction order along the
# flow. Top: I_k (solid) with the target's I_k(q) from the header (dashed,
# same colour). Bottom: the normalised I_k(p_t) / I_k(p_inf) (p_inf the last
# sample, where the flow stopped) with the tube [1 - eps, 1 + eps] of the
# largest eps and, when order_times.dat is beside it, each order's t_I(eps)
# (vertical marks): the last entry into the tube.
# Usage: gnuplot -e "dir='out/hierarchy-rbm'" plots/information.gp   -> dir/information.png
if (!exists("dir")) dir = "out/hierarchy-rbm"
file = dir."/information.dat"
times = dir."/order_times.dat"
set terminal pngcairo size 900,900 enhanced font ",11"
set output dir."/information.png"
ncol = int(system(sprintf("awk '/^# columns:/ {print NF - 2; exit}' %s", file)))
n = ncol - 1
target = system(sprintf("awk -F': ' '/^# target I_k/ {print $2; exit}' %s", file))
title = system(sprintf("awk -F': ' '/^# scenario:/ {print $2; exit}' %s", file))
final = system(sprintf("awk '!/^#/ && NF > 0 {last = $0} END {print last}' %s", file))
# t_I of every order at the first (largest) epsilon: "eps t_I(1) ... t_I(n)", empty without the file or the column.
marks = system(sprintf("test -f %s && awk '/^# columns:/ {ok = ($7 == \"t_I\")} ok && !/^#/ && NF > 0 && !seen[$1]++ && n++ < %d {eps = $2; line = line \" \" $5} END {if (ok) print eps line}' %s", times, n, times))
set logscale x
set format x "10^{%L}"
set xlabel "t (learning-rate units)"
set grid
set key outside right title "order k"
set multiplot layout 2, 1
set ylabel "I_k (nats)"
set title sprintf("%s: connected information by order", title)
plot for [k = 1:n] file using 1:($1 > 0 ? column(1 + k) : 1/0) with lines lw 2 lc k title sprintf("%d", k), \
     for [k = 1:n] (word(target, k) + 0) with lines dt 2 lc k notitle
unset logscale y
set ylabel "I_k(p_t) / I_k(p_{inf})"
set yrange [0:1.6]
if (strlen(marks) > 0) {
    eps = word(marks, 1) + 0
    set title sprintf("normalised; tube 1 +- %g and t_I(%g) (vertical)", eps, eps)
    unset arrow
    do for [k = 1:n] {
        tk = word(marks, 1 + k) + 0
        if (tk == tk && tk > 0 && tk < 1e300) { set arrow from tk, graph 0 to tk, graph 1 nohead lc k dt 3 lw 2 }
    }
    plot for [k = 1:n] file using 1:($1 > 0 && word(final, 1 + k) + 0 > 0 ? column(1 + k) / (word(final, 1 + k) + 0) : 1/0) \
             with lines lw 2 lc k title sprintf("%d", k), \
         1 - eps with lines dt 2 lc rgb "#888888" notitle, 1 + eps with lines dt 2 lc rgb "#888888" notitle
} else {
    set title "normalised"
    plot for [k = 1:n] file using 1:($1 > 0 && word(final, 1 + k) + 0 > 0 ? column(1 + k) / (word(final, 1 + k) + 0) : 1/0) \
             with lines lw 2 lc k title sprintf("%d", k)
}
unset multiplot
