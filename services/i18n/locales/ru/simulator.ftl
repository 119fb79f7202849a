# Строки симулятора и итоговая оценка, как их читает инструктор.

## Ход прогона.

run-starting = прогон { $scenario } на сети { $network }: с { $start } по { $end }, инцидентов: { $incidents }
run-progress = время { $time } | создано { $generated } | подтверждено { $acked } ({ $per-second }/с) | в буфере { $buffered } | отклонено { $rejected }{ $failures }
run-failures = { " " }| сбои { $failures }
run-done = готово: создано событий { $generated }, подтверждено { $acked }, отклонено { $rejected } за { $seconds } с ({ $rate } событий/с)
run-scorecard-written = оценка записана в { $path }
run-record-written = запись учения сохранена в { $path }
report-written = отчёт сохранён в { $path }

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
scorecard-more-incidents = … и ещё инцидентов: { $count } (см. JSON)
scorecard-operators = операторы (их разбор того, что отметила система):
scorecard-operators-total = найденные инциденты: передано выше { $escalated }, только принято { $acknowledged }, ошибочно отклонено { $dismissed }, не замечено { $unnoticed }; ложные тревоги: отклонено { $false-dismissed } из { $false-alarms }, передано выше { $false-escalated }; до принятия { $ack } (p50), до передачи выше { $escalate } (p50)
scorecard-col-operator = оператор
scorecard-col-actions = действий
scorecard-col-acknowledged = принято
scorecard-col-escalated = выше
scorecard-col-dismissed = ошибочно откл.
scorecard-col-false-dismissed = ложн. откл.
scorecard-col-false-escalated = ложн. выше
scorecard-col-to-ack = до принятия (p50)
scorecard-operators-teams = смены:
scorecard-incident-triage = { $outcome } { $kind } #{ $occurrence } ({ $incident }) в { $crossing }: принял(а) { $by } через { $after }
scorecard-outcome-escalated = передано выше
scorecard-outcome-acknowledged = только принято
scorecard-outcome-wrongly_dismissed = ошибочно отклонено
scorecard-outcome-unnoticed = не замечено

## The after-action report.

report-title = Отчёт об учении: { $scenario }
report-summary = Сеть { $network }, зерно { $seed }, с { $start } по { $end } (время событий).
report-generated = Составлен { $time } программой borderflow-sim; открывается без сети и печатается.
report-fact-planted = заложено инцидентов
report-fact-detected = найдено системой
report-fact-recall = полнота
report-fact-false-alarms = ложных тревог
report-fact-precision = точность
report-fact-escalated = инцидентов передано выше операторами
report-fact-to-ack = время до принятия (p50)
report-timeline = Хронология
report-timeline-note = По строке на каждый затронутый пункт пропуска, во времени событий учения. Действия операторов отмечены по реальному времени и поставлены туда, где тогда стояли часы учения.
report-legend-incident = заложенный инцидент
report-legend-detects = аномалия, которая его нашла
report-legend-duplicate = дубликат или побочный эффект
report-legend-false = ложная тревога
report-legend-action = действие оператора
report-legend-rule = действие руководителя учения
report-rows-hidden = Менее активные пункты пропуска не показаны: { $count }.
report-wall = реальное время
report-operators = Операторы
report-operators-note = Что сделали люди у панели с тем, что отметила система: каждый найденный инцидент нужно передать выше, каждую ложную тревогу — отклонить. Время реальное, от публикации аномалии.
report-operators-none = Действий по разбору не записано.
report-teams = Смены
report-incident-triage = Найденные инциденты и что с ними стало
report-trainer = Действия руководителя учения
report-trainer-none = Действий руководителя не записано.
report-incidents = Заложенные инциденты по видам
report-background = Фон (ожидаемое, не инциденты)
report-anomaly-kinds = Аномалии по видам
report-delays = Задержки обнаружения
report-delays-note = Время событий от начала каждого заложенного случая до первого обнаружения (найдено: { $count }).
report-false-alarms = Ложные тревоги
report-traffic = Поток на затронутых пунктах пропуска
report-traffic-note = Досмотров в час; заштриховано: заложенные инциденты.
report-none = Нет.
report-col-incident = инцидент
report-col-kind = вид
report-col-crossing = пункт
report-col-outcome = итог
report-col-acknowledged-by = принял(а)
report-col-after = через
report-col-decided-by = решил(а)
report-col-to-escalate = до передачи выше (p50)
report-col-wall-time = реальное время
report-col-event-time = время событий
report-col-action = действие
report-col-detail = подробности
report-col-explanation = пояснение
