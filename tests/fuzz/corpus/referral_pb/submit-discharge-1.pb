Rú
 0123456789abcdef0123456789abcdefÕR)
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