# The simulator's lines and the scorecard as a trainer reads them.

## Progress of a run.

run-starting = running { $scenario } on { $network }: { $start } to { $end }, { $incidents } incidents
run-progress = sim { $time } | generated { $generated } | acked { $acked } ({ $per-second }/s) | buffered { $buffered } | rejected { $rejected }{ $failures }
run-failures = { " " }| failures { $failures }
run-done = done: { $generated } events generated, { $acked } acknowledged, { $rejected } rejected in { $seconds } s ({ $rate } events/s)
run-scorecard-written = scorecard written to { $path }
run-record-written = exercise record written to { $path }
report-written = report written to { $path }

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
scorecard-more-incidents = … and { $count } more incidents (see the JSON)
scorecard-operators = operators (their triage of what the system flagged):
scorecard-operators-total = incidents detected: { $escalated } escalated, { $acknowledged } acknowledged only, { $dismissed } wrongly dismissed, { $unnoticed } unnoticed; false alarms: { $false-dismissed } of { $false-alarms } dismissed, { $false-escalated } escalated; to acknowledge { $ack } (p50), to escalate { $escalate } (p50)
scorecard-col-operator = operator
scorecard-col-actions = actions
scorecard-col-acknowledged = ack
scorecard-col-escalated = escalated
scorecard-col-dismissed = wrongly dismissed
scorecard-col-false-dismissed = false dismissed
scorecard-col-false-escalated = false escalated
scorecard-col-to-ack = to ack (p50)
scorecard-operators-teams = teams:
scorecard-incident-triage = { $outcome } { $kind } #{ $occurrence } ({ $incident }) at { $crossing }: acknowledged by { $by } after { $after }
scorecard-outcome-escalated = escalated
scorecard-outcome-acknowledged = acknowledged only
scorecard-outcome-wrongly_dismissed = wrongly dismissed
scorecard-outcome-unnoticed = unnoticed

## The after-action report.

report-title = Exercise report: { $scenario }
report-summary = Network { $network }, seed { $seed }, from { $start } to { $end } (event time).
report-generated = Made { $time } by borderflow-sim; opens without a network connection and prints.
report-fact-planted = incidents planted
report-fact-detected = detected by the system
report-fact-recall = recall
report-fact-false-alarms = false alarms
report-fact-precision = precision
report-fact-escalated = incidents escalated by operators
report-fact-to-ack = time to acknowledge (p50)
report-timeline = Timeline
report-timeline-note = One row per crossing involved, in the exercise's event time. Operators' actions are stamped in wall time and placed where the exercise's clock stood then.
report-legend-incident = planted incident
report-legend-detects = anomaly that detected it
report-legend-duplicate = duplicate or side effect
report-legend-false = false alarm
report-legend-action = operator's action
report-legend-rule = trainer's action
report-rows-hidden = { $count } quieter crossings are not shown.
report-wall = wall time
report-operators = Operators
report-operators-note = What the people watching the dashboard did with what the system flagged: each detected incident should be escalated, each false alarm dismissed. Times are wall-clock, from the anomaly's publication.
report-operators-none = No triage actions were recorded.
report-teams = Teams
report-incident-triage = Detected incidents and what became of them
report-trainer = Trainer's actions
report-trainer-none = No trainer actions were logged.
report-incidents = Planted incidents by kind
report-background = Background (expected, not incidents)
report-anomaly-kinds = Anomalies by kind
report-delays = Detection delays
report-delays-note = Event time from each planted occurrence's start to its first detection ({ $count } detected).
report-false-alarms = False alarms
report-traffic = Traffic at the crossings involved
report-traffic-note = Inspections per hour; shaded: planted incidents.
report-none = None.
report-col-incident = incident
report-col-kind = kind
report-col-crossing = crossing
report-col-outcome = outcome
report-col-acknowledged-by = acknowledged by
report-col-after = after
report-col-decided-by = decided by
report-col-to-escalate = to escalate (p50)
report-col-wall-time = wall time
report-col-event-time = event time
report-col-action = action
report-col-detail = detail
report-col-explanation = explanation
