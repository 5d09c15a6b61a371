b÷
ô
R-000001€Ä·± 4"
2026-11-23R)
K Wright, discharge nurse01245 222222Z<
JaneSmith
1961-04-02"CM2 0AA207700 900123R
9434765919b
motherdementiafrailtyjcarer
2026-11-21ª5

RAJRAJ01Ward 10
401 023 2137
2026-11-24