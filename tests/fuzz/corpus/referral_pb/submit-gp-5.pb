R°
 0123456789abcdef0123456789abcdef‹R
D Evans01245 111111Z1
AlanHughes
1970-03-03"CM1 1AA207700 900789b
partnersubstance_misusejcarer
2026-11-16¢
F81005