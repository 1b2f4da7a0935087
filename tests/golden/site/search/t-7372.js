CatalogSearch.add("t","sr",{"src":[1.186,"1_"]});
