CatalogSearch.add("t","li",{"link":[1.186,"1_"]});
