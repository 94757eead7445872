# Work-precision diagram of one case: wall time against the error at t_end,
# one curve per solver, each point one tolerance (rtol 1e-4 ... 1e-10).
#   gnuplot -e "data='CASE.dat'; blocks=N; output='CASE.png'; title='...'" bench/work-precision.gp
# The data file holds N blocks, one per solver (two blank lines apart),
# each opening with the solver's name in quotes (columnheader).
set terminal pngcairo size 800,600 enhanced font ",11"
set output output
set title title noenhanced
set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set xlabel "error max_j |θ_j(t_{end}) - θ_{ref,j}|"
set ylabel "wall time (s)"
set key outside right top noenhanced
set grid
plot for [i=0:blocks-1] data index i using 3:2 with linespoints pointtype 7 title columnheader(1)
