CatalogSearch.add("t","ht",{"html":[1.186,"1_"]});
