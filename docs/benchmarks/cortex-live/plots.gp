# gnuplot plots.gp (run in this directory): goodput, p99 and concurrency limits over time, one line per controller.
set datafile separator ','
set terminal svg size 1400,500 dynamic background '#ffffff'
set key outside right
set xlabel 'second'
set arrow from 0, graph 0 to 0, graph 1 nohead lc rgb '#cccccc'
set label 'warm-up' at 2, graph 0.98 font ',8' rotate by 90 right
set arrow from 6, graph 0 to 6, graph 1 nohead lc rgb '#cccccc'
set label 'steady' at 8, graph 0.98 font ',8' rotate by 90 right
set arrow from 18, graph 0 to 18, graph 1 nohead lc rgb '#cccccc'
set label 'latency-spike' at 20, graph 0.98 font ',8' rotate by 90 right
set arrow from 27, graph 0 to 27, graph 1 nohead lc rgb '#cccccc'
set label 'recovery-1' at 29, graph 0.98 font ',8' rotate by 90 right
set arrow from 33, graph 0 to 33, graph 1 nohead lc rgb '#cccccc'
set label 'error-burst' at 35, graph 0.98 font ',8' rotate by 90 right
set arrow from 39, graph 0 to 39, graph 1 nohead lc rgb '#cccccc'
set label 'inventory-outage' at 41, graph 0.98 font ',8' rotate by 90 right
set arrow from 45, graph 0 to 45, graph 1 nohead lc rgb '#cccccc'
set label 'recovery-2' at 47, graph 0.98 font ',8' rotate by 90 right
set arrow from 51, graph 0 to 51, graph 1 nohead lc rgb '#cccccc'
set label 'overload-ramp' at 53, graph 0.98 font ',8' rotate by 90 right
set arrow from 60, graph 0 to 60, graph 1 nohead lc rgb '#cccccc'
set label 'overload-spike' at 62, graph 0.98 font ',8' rotate by 90 right
set arrow from 63, graph 0 to 63, graph 1 nohead lc rgb '#cccccc'
set label 'recovery-3' at 65, graph 0.98 font ',8' rotate by 90 right
set arrow from 69, graph 0 to 69, graph 1 nohead lc rgb '#cccccc'
set label 'capacity-loss' at 71, graph 0.98 font ',8' rotate by 90 right
set arrow from 81, graph 0 to 81, graph 1 nohead lc rgb '#cccccc'
set label 'restore' at 83, graph 0.98 font ',8' rotate by 90 right
set output 'goodput.svg'
set title 'Goodput within the SLO (requests per second)'
set ylabel 'requests/s'
unset logscale y
plot 'timeline.csv' using (strcol(1) eq 'none' ? $2 : NaN):($4) with lines title 'none', \
     'timeline.csv' using (strcol(1) eq 'dapr-defaults' ? $2 : NaN):($4) with lines title 'dapr-defaults', \
     'timeline.csv' using (strcol(1) eq 'dotnet-standard' ? $2 : NaN):($4) with lines title 'dotnet-standard', \
     'timeline.csv' using (strcol(1) eq 'biodapr-defaults' ? $2 : NaN):($4) with lines title 'biodapr-defaults', \
     'timeline.csv' using (strcol(1) eq 'static-best' ? $2 : NaN):($4) with lines title 'static-best', \
     'timeline.csv' using (strcol(1) eq 'aimd' ? $2 : NaN):($4) with lines title 'aimd', \
     'timeline.csv' using (strcol(1) eq 'aimd-tuned' ? $2 : NaN):($4) with lines title 'aimd-tuned', \
     'timeline.csv' using (strcol(1) eq 'gradient2' ? $2 : NaN):($4) with lines title 'gradient2', \
     'timeline.csv' using (strcol(1) eq 'gradient2-tuned' ? $2 : NaN):($4) with lines title 'gradient2-tuned', \
     'timeline.csv' using (strcol(1) eq 'cortex-agent' ? $2 : NaN):($4) with lines title 'cortex-agent', \
     'timeline.csv' using (strcol(1) eq 'cortex' ? $2 : NaN):($4) with lines title 'cortex', \
     'timeline.csv' using (strcol(1) eq 'none' ? $2 : NaN):5 with lines dt 2 lc rgb 'black' title 'oracle bound'
set output 'p99.svg'
set title 'p99 latency per second (ms)'
set ylabel 'ms'
set logscale y
plot 'timeline.csv' using (strcol(1) eq 'none' ? $2 : NaN):($6) with lines title 'none', \
     'timeline.csv' using (strcol(1) eq 'dapr-defaults' ? $2 : NaN):($6) with lines title 'dapr-defaults', \
     'timeline.csv' using (strcol(1) eq 'dotnet-standard' ? $2 : NaN):($6) with lines title 'dotnet-standard', \
     'timeline.csv' using (strcol(1) eq 'biodapr-defaults' ? $2 : NaN):($6) with lines title 'biodapr-defaults', \
     'timeline.csv' using (strcol(1) eq 'static-best' ? $2 : NaN):($6) with lines title 'static-best', \
     'timeline.csv' using (strcol(1) eq 'aimd' ? $2 : NaN):($6) with lines title 'aimd', \
     'timeline.csv' using (strcol(1) eq 'aimd-tuned' ? $2 : NaN):($6) with lines title 'aimd-tuned', \
     'timeline.csv' using (strcol(1) eq 'gradient2' ? $2 : NaN):($6) with lines title 'gradient2', \
     'timeline.csv' using (strcol(1) eq 'gradient2-tuned' ? $2 : NaN):($6) with lines title 'gradient2-tuned', \
     'timeline.csv' using (strcol(1) eq 'cortex-agent' ? $2 : NaN):($6) with lines title 'cortex-agent', \
     'timeline.csv' using (strcol(1) eq 'cortex' ? $2 : NaN):($6) with lines title 'cortex'
set output 'limit-gateway-to-orders.svg'
set title 'Concurrency limit of gateway→orders'
set ylabel 'limit'
set logscale y
plot 'timeline.csv' using (strcol(1) eq 'none' ? $2 : NaN):($7) with lines title 'none', \
     'timeline.csv' using (strcol(1) eq 'dapr-defaults' ? $2 : NaN):($7) with lines title 'dapr-defaults', \
     'timeline.csv' using (strcol(1) eq 'dotnet-standard' ? $2 : NaN):($7) with lines title 'dotnet-standard', \
     'timeline.csv' using (strcol(1) eq 'biodapr-defaults' ? $2 : NaN):($7) with lines title 'biodapr-defaults', \
     'timeline.csv' using (strcol(1) eq 'static-best' ? $2 : NaN):($7) with lines title 'static-best', \
     'timeline.csv' using (strcol(1) eq 'aimd' ? $2 : NaN):($7) with lines title 'aimd', \
     'timeline.csv' using (strcol(1) eq 'aimd-tuned' ? $2 : NaN):($7) with lines title 'aimd-tuned', \
     'timeline.csv' using (strcol(1) eq 'gradient2' ? $2 : NaN):($7) with lines title 'gradient2', \
     'timeline.csv' using (strcol(1) eq 'gradient2-tuned' ? $2 : NaN):($7) with lines title 'gradient2-tuned', \
     'timeline.csv' using (strcol(1) eq 'cortex-agent' ? $2 : NaN):($7) with lines title 'cortex-agent', \
     'timeline.csv' using (strcol(1) eq 'cortex' ? $2 : NaN):($7) with lines title 'cortex'
set output 'timeout-gateway-to-orders.svg'
set title 'Attempt timeout of gateway→orders (ms)'
set ylabel 'ms'
set logscale y
plot 'timeline.csv' using (strcol(1) eq 'none' ? $2 : NaN):($9) with lines title 'none', \
     'timeline.csv' using (strcol(1) eq 'dapr-defaults' ? $2 : NaN):($9) with lines title 'dapr-defaults', \
     'timeline.csv' using (strcol(1) eq 'dotnet-standard' ? $2 : NaN):($9) with lines title 'dotnet-standard', \
     'timeline.csv' using (strcol(1) eq 'biodapr-defaults' ? $2 : NaN):($9) with lines title 'biodapr-defaults', \
     'timeline.csv' using (strcol(1) eq 'static-best' ? $2 : NaN):($9) with lines title 'static-best', \
     'timeline.csv' using (strcol(1) eq 'aimd' ? $2 : NaN):($9) with lines title 'aimd', \
     'timeline.csv' using (strcol(1) eq 'aimd-tuned' ? $2 : NaN):($9) with lines title 'aimd-tuned', \
     'timeline.csv' using (strcol(1) eq 'gradient2' ? $2 : NaN):($9) with lines title 'gradient2', \
     'timeline.csv' using (strcol(1) eq 'gradient2-tuned' ? $2 : NaN):($9) with lines title 'gradient2-tuned', \
     'timeline.csv' using (strcol(1) eq 'cortex-agent' ? $2 : NaN):($9) with lines title 'cortex-agent', \
     'timeline.csv' using (strcol(1) eq 'cortex' ? $2 : NaN):($9) with lines title 'cortex'
set output 'limit-orders-to-inventory.svg'
set title 'Concurrency limit of orders→inventory'
set ylabel 'limit'
set logscale y
plot 'timeline.csv' using (strcol(1) eq 'none' ? $2 : NaN):($8) with lines title 'none', \
     'timeline.csv' using (strcol(1) eq 'dapr-defaults' ? $2 : NaN):($8) with lines title 'dapr-defaults', \
     'timeline.csv' using (strcol(1) eq 'dotnet-standard' ? $2 : NaN):($8) with lines title 'dotnet-standard', \
     'timeline.csv' using (strcol(1) eq 'biodapr-defaults' ? $2 : NaN):($8) with lines title 'biodapr-defaults', \
     'timeline.csv' using (strcol(1) eq 'static-best' ? $2 : NaN):($8) with lines title 'static-best', \
     'timeline.csv' using (strcol(1) eq 'aimd' ? $2 : NaN):($8) with lines title 'aimd', \
     'timeline.csv' using (strcol(1) eq 'aimd-tuned' ? $2 : NaN):($8) with lines title 'aimd-tuned', \
     'timeline.csv' using (strcol(1) eq 'gradient2' ? $2 : NaN):($8) with lines title 'gradient2', \
     'timeline.csv' using (strcol(1) eq 'gradient2-tuned' ? $2 : NaN):($8) with lines title 'gradient2-tuned', \
     'timeline.csv' using (strcol(1) eq 'cortex-agent' ? $2 : NaN):($8) with lines title 'cortex-agent', \
     'timeline.csv' using (strcol(1) eq 'cortex' ? $2 : NaN):($8) with lines title 'cortex'
set output 'timeout-orders-to-inventory.svg'
set title 'Attempt timeout of orders→inventory (ms)'
set ylabel 'ms'
set logscale y
plot 'timeline.csv' using (strcol(1) eq 'none' ? $2 : NaN):($10) with lines title 'none', \
     'timeline.csv' using (strcol(1) eq 'dapr-defaults' ? $2 : NaN):($10) with lines title 'dapr-defaults', \
     'timeline.csv' using (strcol(1) eq 'dotnet-standard' ? $2 : NaN):($10) with lines title 'dotnet-standard', \
     'timeline.csv' using (strcol(1) eq 'biodapr-defaults' ? $2 : NaN):($10) with lines title 'biodapr-defaults', \
     'timeline.csv' using (strcol(1) eq 'static-best' ? $2 : NaN):($10) with lines title 'static-best', \
     'timeline.csv' using (strcol(1) eq 'aimd' ? $2 : NaN):($10) with lines title 'aimd', \
     'timeline.csv' using (strcol(1) eq 'aimd-tuned' ? $2 : NaN):($10) with lines title 'aimd-tuned', \
     'timeline.csv' using (strcol(1) eq 'gradient2' ? $2 : NaN):($10) with lines title 'gradient2', \
     'timeline.csv' using (strcol(1) eq 'gradient2-tuned' ? $2 : NaN):($10) with lines title 'gradient2-tuned', \
     'timeline.csv' using (strcol(1) eq 'cortex-agent' ? $2 : NaN):($10) with lines title 'cortex-agent', \
     'timeline.csv' using (strcol(1) eq 'cortex' ? $2 : NaN):($10) with lines title 'cortex'
