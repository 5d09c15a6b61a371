z´newGP-ABC-1" 
C-000001ecsEssex "Carers" Support"north-essex*CO1 1AB is in Colchester\rO
GP-ABC-1ZC
â€®AnnO"Ne\illâ€¨
1960-02-03"CO1 1AB*1 "High" St
	Colchester