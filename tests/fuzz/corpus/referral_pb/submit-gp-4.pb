RË
 0123456789abcdef0123456789abcdef¦R
S Green01702 000000ZJ
MaryJones
1949-09-09"SS1 1AA* 2 Marine Parade, Southend-on-SeaBpostb
wifephysical_disabilityjcarer
2026-11-17¢

F81004