CatalogSearch.add("t","im",{"img":[1.188,"1_"],"improve":[1.038,"0_"]});
