CatalogSearch.add("t","le",{"learning":[4.76,"5_"],"learning require":[2.607,"5_"],"lenaic":[4.17,"1_"],"level":[1.038,"0_"]});
