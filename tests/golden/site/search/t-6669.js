CatalogSearch.add("t","fi",{"finding":[4.55,"3_"],"finding sparse":[2.607,"3_"],"fit":[1.038,"0_"]});
