bŠ
‡
R-000001€Ä·± 4"
2026-11-23R(
A Patel01245 000000a.patel@nhs.netZ{
JaneSmith
1961-04-02"CM2 0AA*1 High Street, Chelmsford207700 900123:jane@example.orgBphoneJEnglishR943 476 5919b
motherdementiafrailtyjcarer
2026-11-20¢

F81001