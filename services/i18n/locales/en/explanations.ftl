# Anomaly explanations: one line an operator understands. Arguments are
# named; counts choose the plural form; decimals come formatted.

## Parts shared by the per-event explanations.

outcome-admitted-at = traveller admitted at { $place }
outcome-refused-at = traveller refused at { $place }
outcome-secondary-at = traveller referred to second line at { $place }
outcome-unrecorded-at = outcome not recorded at { $place }
reference = { $reference }
reference-none = no source given

## Fields of a machine-readable zone.

mrz-field-unknown = unknown field
mrz-field-layout = layout
mrz-field-document-code = document code
mrz-field-issuing-state = issuing state
mrz-field-document-number = document number
mrz-field-document-number-check = document number check digit
mrz-field-optional-data = optional data
mrz-field-optional-data-check = optional data check digit
mrz-field-birth-date = birth date
mrz-field-birth-date-check = birth date check digit
mrz-field-sex = sex
mrz-field-expiry-date = expiry date
mrz-field-expiry-date-check = expiry date check digit
mrz-field-nationality = nationality
mrz-field-name = name
mrz-field-composite-check = composite check digit

## Biometric modalities, as a sentence begins.

modality-face = Face
modality-fingerprint = Fingerprint
modality-iris = Iris
modality-unspecified = Biometric

## Rules on one inspection.

mrz-check-failed = Machine-readable zone failed checks ({ $fields }); { $outcome }
document-expired = Document expired on { $since }, { $days } days before the inspection; { $outcome }
document-expired-undated = Document expired on an unknown date, { $days } days before the inspection; { $outcome }
lost-stolen-document = Document is listed as lost or stolen ({ $reference }); { $outcome }
watchlist-hit = Traveller matches a watchlist entry ({ $reference }); { $outcome }
minor-without-adult = Traveller aged { $age } crossed without an accompanying adult; { $outcome }
minor-unlinked-adult = Traveller aged { $age } crossed with an adult not linked as parent or guardian; { $outcome }
biometric-mismatch = { $modality } match score { $score } is below { $threshold }; { $outcome }
biometric-mismatch-aged = { $modality } match score { $score } is below { $threshold } for a traveller aged { $age }; { $outcome }

## Rules on one document's history.

impossible-travel = Same document at { $from } and { $to } { $hours } h apart: { $km } km needs { $speed } km/h, above the { $limit } km/h possible
double-entry = Entered { $country } at { $place } on { $day } without an exit since entering at { $earlier-place } on { $earlier-day }
retracted = Retracted: an exit recorded in between; { $explanation }
repeated-refusal = Refused at { $place } on { $day } after { $earlier ->
        [one] { $earlier } refusal
       *[other] { $earlier } refusals
    } in the previous { $days } days
overstay = Present in { $country } { $present } days in the { $window } days to { $day }, over the { $limit }-day limit since { $since }
trafficking-case = Possible trafficking: { $indicators } indicators on one escorting adult in { $days } days: { $reasons }
trafficking-different-minors = { $minors } different minors on { $occasions } occasions over { $days ->
        [one] { $days } day
       *[other] { $days } days
    } at { $crossings ->
        [one] { $crossings } crossing
       *[other] { $crossings } crossings
    }
trafficking-no-relation = a minor with no established relation to the adult
trafficking-repeated = { $occasions } crossings each with minors not escorted before
trafficking-young-group = a party of { $young } young adults on one state's documents

## Detectors of a crossing's periods.

flow-surge = Traffic { $ratio }x the usual: { $travellers } travellers in { $minutes } min against { $expected } expected
flow-drop = Traffic fell to { $travellers } travellers in { $minutes } min against { $expected } expected
slow-inspections = Inspections take { $mean } min on average against { $usual } min usually ({ $inspections } in { $minutes } min)
queue-sla = Only { $within } % of { $travellers } travellers waited under { $wait } min (target { $target } %)
refusal-rate-spike = { $decisions } refusals ({ $refused } travellers) in { $inspections } inspections ({ $share } %) against { $usual } % usually
nationality-mix-shift = Nationality mix shifted (divergence { $divergence }): { $nationality } { $share } % of travellers against { $usual } % usually
officer-override = Officer { $officer } admitted { $admitted } of { $alerted } travellers carrying alerts in { $hours } h; peers admitted { $peer-admitted } of { $peer-alerted }
checkpoint-silent = Checkpoint { $checkpoint } open but silent: no events or heartbeats for { $minutes } min
mass-influx = Mass influx: { $arrivals } arrivals in { $minutes } min ({ $ratio }x the usual { $usual }), { $share } % in need of protection: { $requests } asked for protection, { $undocumented } without valid documents, { $unaccompanied } unaccompanied or separated children; women { $women }, men { $men }, girls { $girls }, boys { $boys }; referred: { $referred }
referred-list = { $items }
referred-none = none
referred-to = { $count } { $service }

## Services a traveller is referred to.

service-asylum-authority = asylum authority
service-child-protection = child protection
service-anti-trafficking = anti trafficking
service-medical = medical

## Twin pairs reconciled.

mirror-gap-gone = { $missing } of { $total } travellers who left { $from } in the { $minutes } min from { $start } were not inspected at { $to } within { $hours } h (about { $expected } expected)
mirror-gap-unrecorded = { $missing } of { $total } travellers inspected at { $to } in the { $minutes } min from { $start } were not recorded leaving { $from } in the { $hours } h before (about { $expected } expected)
transit-delay = Travellers from { $from } to { $to } took { $median } min (median of { $travellers }) from { $start }, against { $usual } min usually
