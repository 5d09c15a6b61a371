RÍ
 0123456789abcdef0123456789abcdef¨R
L Brown01206 000000Z<
PriyaShah
1955-01-30"CO1 1AA:priya@example.orgBemailb+
husbandlong_term_illnessmental_healthjcarer
2026-11-19¢

F81003