CatalogSearch.add("t","lo",{"long":[1.038,"0_"],"lottery":[4.544,"1_2-"],"lottery ticket":[2.607,"3_"]});
