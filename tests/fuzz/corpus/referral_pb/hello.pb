r
afc
