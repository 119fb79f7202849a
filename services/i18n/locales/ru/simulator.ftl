# Строки симулятора и итоговая оценка, как их читает инструктор.

## Ход прогона.

run-starting = прогон { $scenario } на сети { $network }: с { $start } по { $end }, инцидентов: { $incidents }
run-progress = время { $time } | создано { $generated } | подтверждено { $acked } ({ $per-second }/с) | в буфере { $buffered } | отклонено { $rejected }{ $failures }
run-failures = { " " }| сбои { $failures }
run-done = готово: создано событий { $generated }, подтверждено { $acked }, отклонено { $rejected } за { $seconds } с ({ $rate } событий/с)
run-scorecard-written = оценка записана в { $path }

## Итоговая оценка.

scorecard-header = оценка: { $scenario } на сети { $network } (seed { $seed }), с { $start } по { $end }, оценено аномалий: { $anomalies }, пунктов пропуска { $crossings } × дней { $days }
scorecard-incidents = инциденты:
scorecard-background = фон (ожидаемое, не инциденты):
scorecard-by-kind = по видам аномалий:
scorecard-col-kind = вид
scorecard-col-planted = заложено
scorecard-col-detected = найдено
scorecard-col-missed = пропущено
scorecard-col-duplicates = дубл.
scorecard-col-false = ложные
scorecard-col-recall = полнота
scorecard-col-precision = точность
scorecard-col-delay = задержка (p50)
scorecard-col-anomaly = аномалия
scorecard-col-expected = ожидалось
scorecard-col-excused = побочные
scorecard-total = итого: заложено { $planted }, найдено { $detected }, пропущено { $missed }, дубликатов { $duplicates }, побочных { $side-effects }, ложных тревог { $false-alarms } ({ $rate } на 100 пункто-дней); полнота { $recall }, точность { $precision }
scorecard-missed = пропущено { $kind }: { $incidents }
scorecard-duplicate = дубликат { $anomaly } в { $crossing } { $time }: к { $kind } #{ $occurrence } ({ $incident })
scorecard-side-effect = побочный эффект { $anomaly } в { $crossing } { $time }: от { $kind } #{ $occurrence } ({ $incident }): { $reason }
scorecard-false-alarm = ложная тревога { $anomaly } в { $crossing } { $time }: { $explanation }
scorecard-more-duplicates = … и ещё дубликатов: { $count } (см. JSON)
scorecard-more-side-effects = … и ещё побочных: { $count } (см. JSON)
scorecard-more-false-alarms = … и ещё ложных тревог: { $count } (см. JSON)
