CatalogSearch.add("t","fi",{"finding":[4.554,"3_"],"finding sparse":[2.607,"3_"],"fit":[1.035,"0_"]});
