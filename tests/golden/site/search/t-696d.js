CatalogSearch.add("t","im",{"img":[1.186,"1_"],"improve":[1.035,"0_"]});
