CatalogSearch.add("t","ht",{"html":[1.186,"1_"],"html img":[1.54,"1_"]});
