CatalogSearch.add("t","sr",{"src":[1.186,"1_"],"src x":[1.54,"1_"]});
