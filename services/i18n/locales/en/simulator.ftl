# The simulator's lines and the scorecard as a trainer reads them.

## Progress of a run.

run-starting = running { $scenario } on { $network }: { $start } to { $end }, { $incidents } incidents
run-progress = sim { $time } | generated { $generated } | acked { $acked } ({ $per-second }/s) | buffered { $buffered } | rejected { $rejected }{ $failures }
run-failures = { " " }| failures { $failures }
run-done = done: { $generated } events generated, { $acked } acknowledged, { $rejected } rejected in { $seconds } s ({ $rate } events/s)
run-scorecard-written = scorecard written to { $path }

## The scorecard.

scorecard-header = scorecard: { $scenario } on { $network } (seed { $seed }), { $start } to { $end }, { $anomalies } anomalies scored, { $crossings } crossings × { $days } days
scorecard-incidents = incidents:
scorecard-background = background (expected, not incidents):
scorecard-by-kind = by anomaly kind:
scorecard-col-kind = kind
scorecard-col-planted = planted
scorecard-col-detected = detected
scorecard-col-missed = missed
scorecard-col-duplicates = dup
scorecard-col-false = false
scorecard-col-recall = recall
scorecard-col-precision = precision
scorecard-col-delay = delay (p50)
scorecard-col-anomaly = anomaly
scorecard-col-expected = expected
scorecard-col-excused = excused
scorecard-total = total: { $planted } planted, { $detected } detected, { $missed } missed, { $duplicates } duplicates, { $side-effects } side effects, { $false-alarms } false alarms ({ $rate } per 100 crossing-days); recall { $recall }, precision { $precision }
scorecard-missed = missed { $kind }: { $incidents }
scorecard-duplicate = duplicate { $anomaly } at { $crossing } { $time }: of { $kind } #{ $occurrence } ({ $incident })
scorecard-side-effect = side effect { $anomaly } at { $crossing } { $time }: of { $kind } #{ $occurrence } ({ $incident }): { $reason }
scorecard-false-alarm = false alarm { $anomaly } at { $crossing } { $time }: { $explanation }
scorecard-more-duplicates = … and { $count } more duplicates (see the JSON)
scorecard-more-side-effects = … and { $count } more side effects (see the JSON)
scorecard-more-false-alarms = … and { $count } more false alarms (see the JSON)
