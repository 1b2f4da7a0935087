CatalogSearch.add("t","lo",{"long":[1.035,"0_"],"lottery":[4.54,"1_2-"],"lottery ticket":[2.607,"3_"]});
