º)
	forbiddena gp key may not submit here