# Пояснения к аномалиям: одна строка, понятная оператору. Аргументы
# именованные; числа выбирают форму множественного числа; дробные
# значения приходят уже отформатированными.

## Общие части пояснений к отдельной проверке.

outcome-admitted-at = путешественник пропущен, пункт пропуска { $place }
outcome-refused-at = путешественнику отказано в пропуске, пункт пропуска { $place }
outcome-secondary-at = путешественник направлен на вторую линию контроля, пункт пропуска { $place }
outcome-unrecorded-at = решение не записано, пункт пропуска { $place }
reference = { $reference }
reference-none = источник не указан

## Поля машиносчитываемой зоны.

mrz-field-unknown = неизвестное поле
mrz-field-layout = структура
mrz-field-document-code = код документа
mrz-field-issuing-state = государство выдачи
mrz-field-document-number = номер документа
mrz-field-document-number-check = контрольная цифра номера документа
mrz-field-optional-data = дополнительные данные
mrz-field-optional-data-check = контрольная цифра дополнительных данных
mrz-field-birth-date = дата рождения
mrz-field-birth-date-check = контрольная цифра даты рождения
mrz-field-sex = пол
mrz-field-expiry-date = дата окончания срока действия
mrz-field-expiry-date-check = контрольная цифра даты окончания срока действия
mrz-field-nationality = гражданство
mrz-field-name = имя
mrz-field-composite-check = итоговая контрольная цифра

## Биометрические модальности, в начале предложения.

modality-face = Лицо
modality-fingerprint = Отпечаток пальца
modality-iris = Радужная оболочка
modality-unspecified = Биометрия

## Правила для отдельной проверки.

mrz-check-failed = Машиносчитываемая зона не прошла проверку ({ $fields }); { $outcome }
document-expired = Срок действия документа истёк { $since }, за { $days ->
        [one] { $days } день
        [few] { $days } дня
       *[many] { $days } дней
    } до проверки; { $outcome }
document-expired-undated = Срок действия документа истёк (дата неизвестна), за { $days ->
        [one] { $days } день
        [few] { $days } дня
       *[many] { $days } дней
    } до проверки; { $outcome }
lost-stolen-document = Документ числится утраченным или похищенным ({ $reference }); { $outcome }
watchlist-hit = Путешественник совпадает с записью контрольного списка ({ $reference }); { $outcome }
minor-without-adult = Путешественник в возрасте { $age ->
        [one] { $age } года
       *[other] { $age } лет
    } пересёк границу без сопровождающего взрослого; { $outcome }
minor-unlinked-adult = Путешественник в возрасте { $age ->
        [one] { $age } года
       *[other] { $age } лет
    } пересёк границу со взрослым, не указанным как родитель или опекун; { $outcome }
biometric-mismatch = { $modality }: оценка совпадения { $score } ниже порога { $threshold }; { $outcome }
biometric-mismatch-aged = { $modality }: оценка совпадения { $score } ниже порога { $threshold } для путешественника в возрасте { $age ->
        [one] { $age } года
       *[other] { $age } лет
    }; { $outcome }

## Правила по истории одного документа.

impossible-travel = Один и тот же документ в пунктах пропуска { $from } и { $to } с интервалом { $hours } ч: для { $km } км нужна скорость { $speed } км/ч, выше возможных { $limit } км/ч
double-entry = Въезд в { $country } через пункт пропуска { $place } { $day } без выезда после въезда через { $earlier-place } { $earlier-day }
retracted = Отозвано: между въездами зарегистрирован выезд; { $explanation }
repeated-refusal = Отказ в пропуске, пункт пропуска { $place }, { $day }, после { $earlier ->
        [one] { $earlier } отказа
       *[other] { $earlier } отказов
    } за предыдущие { $days } дн.
overstay = Пребывание в { $country } { $present } дн. из { $window } дн. по { $day } включительно: превышен предел в { $limit } дн., начиная с { $since }
trafficking-case = Возможная торговля людьми: { $indicators ->
        [one] { $indicators } признак
        [few] { $indicators } признака
       *[many] { $indicators } признаков
    } у одного сопровождающего взрослого за { $days } дн.: { $reasons }
trafficking-different-minors = { $minors ->
        [one] { $minors } несовершеннолетний
       *[other] { $minors } разных несовершеннолетних
    } в { $occasions ->
        [one] { $occasions } поездке
       *[other] { $occasions } поездках
    } за { $days } дн. через { $crossings ->
        [one] { $crossings } пункт пропуска
        [few] { $crossings } пункта пропуска
       *[many] { $crossings } пунктов пропуска
    }
trafficking-no-relation = несовершеннолетний без установленного родства со взрослым
trafficking-repeated = { $occasions ->
        [one] { $occasions } пересечение
        [few] { $occasions } пересечения
       *[many] { $occasions } пересечений
    } границы, каждое с несовершеннолетними, которых взрослый прежде не сопровождал
trafficking-young-group = группа из { $young } молодых людей с документами одного государства

## Детекторы по периодам пункта пропуска.

flow-surge = Поток в { $ratio } раза выше обычного: { $travellers ->
        [one] { $travellers } путешественник
        [few] { $travellers } путешественника
       *[many] { $travellers } путешественников
    } за { $minutes } мин при ожидаемых { $expected }
flow-drop = Поток упал до { $travellers ->
        [one] { $travellers } путешественника
       *[other] { $travellers } путешественников
    } за { $minutes } мин при ожидаемых { $expected }
slow-inspections = Проверка занимает в среднем { $mean } мин при обычных { $usual } мин (проверок: { $inspections } за { $minutes } мин)
queue-sla = Только { $within } % из { $travellers ->
        [one] { $travellers } путешественника
       *[other] { $travellers } путешественников
    } ждали меньше { $wait } мин (цель { $target } %)
refusal-rate-spike = Отказов: { $decisions } (путешественников: { $refused }) на { $inspections ->
        [one] { $inspections } проверку
        [few] { $inspections } проверки
       *[many] { $inspections } проверок
    } ({ $share } %) при обычных { $usual } %
nationality-mix-shift = Изменился состав по гражданству (расхождение { $divergence }): { $nationality } — { $share } % путешественников при обычных { $usual } %
officer-override = Сотрудник { $officer } пропустил { $admitted } из { $alerted ->
        [one] { $alerted } путешественника
       *[other] { $alerted } путешественников
    } с сигналами за { $hours } ч; коллеги пропустили { $peer-admitted } из { $peer-alerted }
checkpoint-silent = Пост { $checkpoint } открыт, но молчит: ни событий, ни сигналов активности в течение { $minutes } мин
mass-influx = Массовый приток: { $arrivals ->
        [one] { $arrivals } прибывший
       *[other] { $arrivals } прибывших
    } за { $minutes } мин (в { $ratio } раза больше обычных { $usual }), { $share } % нуждаются в защите: просьб о защите { $requests }, без действительных документов { $undocumented }, несопровождаемых или разлучённых детей { $unaccompanied }; женщин { $women }, мужчин { $men }, девочек { $girls }, мальчиков { $boys }; направлены: { $referred }
referred-list = { $items }
referred-none = никуда
referred-to = { $service } — { $count }

## Службы, в которые направляют.

service-asylum-authority = орган по вопросам убежища
service-child-protection = служба защиты детей
service-anti-trafficking = служба противодействия торговле людьми
service-medical = медицинская помощь

## Сверка парных пунктов пропуска.

mirror-gap-gone = { $missing } из { $total ->
        [one] { $total } путешественника
       *[other] { $total } путешественников
    }, выехавших через { $from } за { $minutes } мин с { $start }, не прошли контроль в { $to } в течение { $hours } ч (ожидалось около { $expected })
mirror-gap-unrecorded = { $missing } из { $total ->
        [one] { $total } путешественника
       *[other] { $total } путешественников
    }, прошедших контроль в { $to } за { $minutes } мин с { $start }, не зарегистрированы на выезде через { $from } за { $hours } ч до этого (ожидалось около { $expected })
transit-delay = Путь от { $from } до { $to } занял { $median } мин (медиана по { $travellers ->
        [one] { $travellers } путешественнику
       *[other] { $travellers } путешественникам
    }) с { $start } против обычных { $usual } мин
